using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Dxmig.Cli;
using Dxmig.Cli.Console;
using Dxmig.Contracts;
using Dxmig.Jobs;
using Dxmig.Platform.JobFiles;
using Dxmig.Platform.Logging;
using Dxmig.Platform.Pipeline;
using Dxmig.Web.Auth;
using Spectre.Console;

namespace Dxmig.Demo;

/// <summary>
/// <c>dxmig demo --console</c>, after the demo's runs: copies the demo's job files (no schedule: nothing fires by
/// itself) into <c>$DXMIG_HOME/demo/console/jobs</c>, makes a local accounts file with one operator <c>demo</c> and a
/// fresh random password (printed once, masked in every log), and serves <c>dxmig serve --console
/// http://127.0.0.1:PORT</c> over them until Ctrl+C, its scheduler store under the demo's folder.
/// </summary>
internal static partial class DemoConsole
{
    public const string UserName = "demo";

    /// <summary>The one demo job that can run again from the console (its source and target are files of the demo folder).</summary>
    private const string DemoJobName = "demo-addressbook";

    /// <summary>The port asked for first; any free loopback port when it is taken.</summary>
    public const int PreferredPort = 8080;

    private const int PasswordLength = 20;
    private const string PasswordAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The demo's jobs and, for those whose ledger the demo names through a variable per run, where it was (the folders
    /// <see cref="MailDemo"/>, <see cref="GraphDemo"/> and <see cref="ExoImapDemo"/> give them under the demo folder).
    /// </summary>
    private static readonly (string JobPath, string Ledger)[] DemoJobs =
    [
        (DemoCommand.JobPath, "ledger.db"),
        (MailDemo.JobPath, "mail/ledger.db"),
        (GraphDemo.JobPath, "mail-graph/ledger.db"),
        (ExoImapDemo.JobPath, "mail-exo-imap/ledger.db"),
    ];

    /// <summary>Serves the console over the demo's jobs until <paramref name="stopToken"/>; the exit code of serve.</summary>
    /// <param name="io">Where the demo writes.</param>
    /// <param name="repo">The repository root (the demo's job files).</param>
    /// <param name="demo">$DXMIG_HOME/demo.</param>
    /// <param name="environment">The demo's environment (DXMIG_DEMO_DIR, DXMIG_HOME).</param>
    /// <param name="stopToken">Ctrl+C / SIGTERM.</param>
    public static async Task<int> ServeAsync(CliIo io, string repo, string demo, Func<string, string?> environment, CancellationToken stopToken)
    {
        io.Console.Write(new Rule("[bold]操作コンソール / operator console[/]").LeftJustified());
        var folder = Path.Combine(demo, "console");
        var jobs = Path.Combine(folder, "jobs");
        var names = WriteJobs(repo, demo, jobs, environment);
        var password = RandomNumberGenerator.GetString(PasswordAlphabet, PasswordLength);
        SecretMasker.Register(password);
        var accounts = Path.Combine(folder, "console-accounts.txt");
        await WriteOwnerOnlyAsync(
            accounts,
            "# ./dxmig demo --console のアカウント (起動のたびに作り直します) / the demo console's account (made anew at each start)\n"
            + $"{UserName} {ConsoleRoles.Operator} {LocalAccounts.HashPassword(password)}\n",
            stopToken);

        var historyOnly = names.Where(n => n != DemoJobName).ToList();
        if (historyOnly.Count > 0)
        {
            // Their secrets lived in the demo's environment only and their servers are stopped: serve, which reads job
            // files to run them, says so for each; the console shows their history all the same.
            io.Console.MarkupLine(Markup.Escape(
                $"メールのジョブ ({string.Join(", ", historyOnly)}) は履歴の表示のみです。デモのサーバーとそのパスワードは片付けたため、serve がこのあと「秘密情報の環境変数が設定されていません」と報告します "
                + $"/ the mail jobs ({string.Join(", ", historyOnly)}) are for their history only: the demo's servers and their passwords are gone, so serve reports their secret variables as not set"));
        }

        var port = PortFree(PreferredPort) ? PreferredPort : Sandbox.FreePort.Next();
        var url = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
        var serveIo = new CliIo(io.Output, io.Error, interactive: false, environment, io.Time);
        string[] arguments =
        [
            "serve", "--jobs", jobs, "--store", Path.Combine(folder, "scheduler.db"), "--node", "demo", "--console", url, "--console-accounts", accounts,
        ];
        // Ctrl+C stops serve; so does a console that never answered.
        using var stopServe = CancellationTokenSource.CreateLinkedTokenSource(stopToken);
        var serve = Task.Run(() => CliApp.RunAsync(arguments, serveIo, () => stopServe.Token), CancellationToken.None);
        if (!await ListeningAsync(port, serve, stopToken))
        {
            await stopServe.CancelAsync();
            var code = await serve;
            if (!stopToken.IsCancellationRequested)
            {
                io.Console.MarkupLine(Markup.Escape($"操作コンソールを開始できませんでした (上を参照) / the operator console did not start (see above): {url}"));
            }

            return code == ExitCodes.Success ? ExitCodes.Failed : code;
        }

        io.Console.MarkupLine(Markup.Escape($"操作コンソールを開きました / the operator console is open: {url}"));
        io.Console.MarkupLine(Markup.Escape($"  ユーザー名 / user name: {UserName}"));
        io.Console.MarkupLine(Markup.Escape($"  パスワード / password: {password}   (ここに一度だけ表示します / shown here once)"));
        io.Console.MarkupLine(Markup.Escape($"  ジョブ / jobs: {string.Join(", ", names)} — デモの実行の履歴・レポート・隔離・ログを見られます / the demo's runs with their reports, quarantines and logs"));
        io.Console.MarkupLine(Markup.Escape(
            $"  スケジュールはありません。{DemoJobName} は「今すぐ実行」でもう一度実行できます / nothing is scheduled; \"Run now\" runs {DemoJobName} again"));
        io.Console.MarkupLine("[bold]Ctrl+C で終了 / Ctrl+C to stop[/]");
        var result = await serve;
        io.Console.MarkupLine(result == ExitCodes.Success
            ? "[yellow]操作コンソールを停止しました / the operator console is stopped[/]"
            : "[red]操作コンソールが異常終了しました (上を参照) / the operator console stopped on an error (see above)[/]");
        return result;
    }

    /// <summary>
    /// Copies each demo job whose ledger exists (it ran) into <paramref name="jobs"/> (emptied first): the ledger that
    /// the demo named through a per-run variable written out under <c>${DXMIG_DEMO_DIR}</c>, any schedule removed.
    /// </summary>
    private static List<string> WriteJobs(string repo, string demo, string jobs, Func<string, string?> environment)
    {
        if (Directory.Exists(jobs))
        {
            Directory.Delete(jobs, recursive: true);
        }

        Directory.CreateDirectory(jobs);
        var names = new List<string>();
        foreach (var (jobPath, ledger) in DemoJobs)
        {
            var source = Path.Combine(repo, jobPath);
            if (!File.Exists(source) || !File.Exists(Path.Combine(demo, ledger)))
            {
                continue;
            }

            var text = WithoutSchedule(File.ReadAllText(source, Encoding.UTF8));
            text = PerRunVariable().Replace(text, m => m.Groups[1].Value == "DXMIG_LEDGER" ? $"${{DXMIG_DEMO_DIR}}/{ledger}" : "${DXMIG_DEMO_DIR}/mail/accounts.csv");
            var copy = Path.Combine(jobs, Path.GetFileName(source));
            File.WriteAllText(
                copy,
                $"# ./dxmig demo --console が {jobPath} から写したもの (スケジュールなし) / copied by ./dxmig demo --console from {jobPath} (no schedule)\n" + text,
                new UTF8Encoding(false));
            var bound = JobLoader.Load(copy, new DiagnosticBag(), environment, JobUse.History);
            if (bound?.File is not { Schedule: null } file)
            {
                // Unreadable, or still scheduled: it would fire by itself while a person looks. Not served.
                File.Delete(copy);
                continue;
            }

            names.Add(file.Name);
        }

        return names;
    }

    /// <summary>
    /// The text without its top-level <c>schedule:</c> block: the key and every indented or blank line under it, up to the
    /// next line that starts in the first column (a key or a comment).
    /// </summary>
    internal static string WithoutSchedule(string yaml)
    {
        var kept = new StringBuilder(yaml.Length);
        var skipping = false;
        foreach (var line in yaml.Split('\n'))
        {
            var topLevel = line.Length > 0 && !char.IsWhiteSpace(line[0]);
            if (topLevel)
            {
                skipping = line.StartsWith("schedule:", StringComparison.Ordinal);
            }

            if (!skipping)
            {
                kept.Append(line).Append('\n');
            }
        }

        return kept.ToString(0, Math.Max(0, kept.Length - 1));
    }

    private static async Task WriteOwnerOnlyAsync(string path, string text, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.Delete(path);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using var stream = new FileStream(path, options);
        await stream.WriteAsync(new UTF8Encoding(false).GetBytes(text), cancellationToken);
    }

    private static bool PortFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>True once the console answers on <paramref name="port"/>; false when serve ended first, or on a stop or timeout.</summary>
    private static async Task<bool> ListeningAsync(int port, Task<int> serve, CancellationToken stopToken)
    {
        var deadline = DateTimeOffset.UtcNow + StartTimeout;
        while (!serve.IsCompleted && !stopToken.IsCancellationRequested && DateTimeOffset.UtcNow < deadline)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port, stopToken);
                return !serve.IsCompleted;
            }
            catch (SocketException)
            {
                await Task.WhenAny(serve, Task.Delay(TimeSpan.FromMilliseconds(200), CancellationToken.None));
            }
            catch (OperationCanceledException) when (stopToken.IsCancellationRequested)
            {
                return false;
            }
        }

        return false;
    }

    [GeneratedRegex(@"\$\{(DXMIG_LEDGER|DXMIG_ACCOUNTS)(?::-[^}]*)?\}")]
    private static partial Regex PerRunVariable();
}
