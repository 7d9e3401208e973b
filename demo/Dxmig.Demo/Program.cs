using Dxmig.Cli;
using Dxmig.Demo;

// The product's command line with one command more: demo.
return await CliHost.MainAsync(args, DemoCommand.Create);
