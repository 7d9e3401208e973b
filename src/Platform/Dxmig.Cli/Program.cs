using Dxmig.Cli;

return await CliHost.MainAsync(args);
