namespace Dxmig.GraphEmulator;

/// <summary>Standalone: <c>dotnet run --project tests/Dxmig.GraphEmulator -- --port 8443 --users a@x.jp,b@x.jp</c>.</summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var port = 0;
        var users = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--port" when i + 1 < args.Length:
                    port = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture);
                    break;
                case "--users" when i + 1 < args.Length:
                    users.AddRange(args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                    break;
                default:
                    await Console.Error.WriteLineAsync($"usage: Dxmig.GraphEmulator [--port N] [--users upn1,upn2]  (unknown argument: {args[i]})");
                    return 2;
            }
        }

        using var stop = new CancellationTokenSource();
        using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, Stop);
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, Stop);
        await using var emulator = await GraphEmulator.StartAsync(new GraphEmulatorOptions { Port = port, Users = users }, stop.Token);

        // The secret goes to an owner-only file; only its path is printed.
        var secretFile = Path.Combine(Path.GetTempPath(), $"dxmig-graph-emulator-{emulator.Port}.secret");
        await File.WriteAllTextAsync(secretFile, "", stop.Token);
        File.SetUnixFileMode(secretFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await File.WriteAllTextAsync(secretFile, emulator.ClientSecret, stop.Token);

        Console.WriteLine($"BaseUrl:            {emulator.BaseUrl}");
        Console.WriteLine($"AuthorityHost:      {emulator.AuthorityHost}");
        Console.WriteLine($"TenantId:           {emulator.TenantId}");
        Console.WriteLine($"ClientId:           {emulator.ClientId}");
        Console.WriteLine($"CertificateSha256:  {emulator.CertificateSha256}");
        Console.WriteLine($"ExoImapIntrospect:  {emulator.ExchangeIntrospectionUrl}");
        Console.WriteLine($"ClientSecretFile:   {secretFile} (0600)");
        Console.WriteLine($"Users:              {string.Join(", ", emulator.Store.Users.Select(u => u.UserPrincipalName))}");
        Console.WriteLine("Ctrl+C (or SIGTERM) stops and removes the secret file. / Ctrl+C で停止");
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
        }

        File.Delete(secretFile);
        return 0;

        void Stop(System.Runtime.InteropServices.PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }
}
