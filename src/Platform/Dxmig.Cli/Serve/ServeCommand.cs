using System.CommandLine;
using Dxmig.Cli.Console;
using Dxmig.Contracts;
using Dxmig.Jobs;
using Dxmig.Platform.JobFiles;
using Dxmig.Platform.Logging;
using Dxmig.Platform.Pipeline;
using Dxmig.Platform.Scheduling;
using Dxmig.Platform.Storage;
using Dxmig.Jobs.Console;
using Dxmig.Web;
using Dxmig.Web.Data;
using Dxmig.Web.Live;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Quartz;
using Microsoft.Extensions.Logging;

namespace Dxmig.Cli.Serve;

/// <summary>
/// <c>dxmig serve [--jobs DIR] [--store SQLITE-PATH|PG-CONNECTION] [--node NAME]</c>: the scheduler host. Runs until
/// SIGTERM or Ctrl+C, then lets running jobs finish the batch in hand and checkpoint.
/// </summary>
internal static class ServeCommand
{
    public static Command Create(CliIo io, Func<CancellationToken> stopToken)
    {
        var jobs = new Option<string?>("--jobs") { Description = "ジョブファイルのフォルダー (既定: ./jobs) / folder of job files (default: ./jobs)" };
        var store = new Option<string?>("--store") { Description = "スケジューラーの保存先: SQLite のパス (既定: $DXMIG_HOME/scheduler.db) か PostgreSQL 接続文字列 (クラスター) / scheduler store: SQLite path (default $DXMIG_HOME/scheduler.db) or PostgreSQL connection string (clustered)" };
        var storePassword = new Option<string?>("--store-password-env") { Description = "PostgreSQL のパスワードを持つ環境変数 / environment variable holding the PostgreSQL password" };
        var storeCa = new Option<string?>("--store-ca-certificate") { Description = "PostgreSQL サーバー証明書の発行元 CA 証明書 (PEM ファイル) / the CA certificate (PEM file) that issued the PostgreSQL server's certificate" };
        var storePin = new Option<string?>("--store-certificate-sha256") { Description = "PostgreSQL サーバー証明書の SHA-256 (固定) / SHA-256 of the PostgreSQL server's certificate (pinned)" };
        var node = new Option<string?>("--node") { Description = "クラスター内で一意なノード名 (既定: ホスト名) / node name, unique in the cluster (default: host name)" };
        var checkin = new Option<TimeSpan?>("--checkin-interval") { Description = "クラスターの生存通知の間隔 (既定 00:00:10) / cluster check-in interval (default 00:00:10)" };
        var console = new Option<string?>("--console") { Description = "操作コンソールを開く URL (https://HOST:PORT。http:// はループバックのみ) / serve the operator console at this URL (https://HOST:PORT; http:// on loopback only)" };
        var consoleCertificate = new Option<string?>("--console-certificate") { Description = "コンソールの HTTPS 証明書 (PFX、または鍵を含む PEM。パスワードは DXMIG_CONSOLE_CERTIFICATE_PASSWORD) / the console's HTTPS certificate (PFX, or PEM with its key; password in DXMIG_CONSOLE_CERTIFICATE_PASSWORD)" };
        var consoleAccounts = new Option<string?>("--console-accounts") { Description = "ローカル アカウントのファイル (Entra ID なしのリハーサル用。dxmig console-account で作成) / local accounts file (for a rehearsal without Entra ID; made with dxmig console-account)" };
        var command = new Command("serve", "スケジューラーとしてジョブを定期実行します / run scheduled jobs as the scheduler host")
        {
            jobs, store, storePassword, storeCa, storePin, node, checkin, console, consoleCertificate, consoleAccounts,
        };
        command.SetAction((parse, _) => ExecuteAsync(
            io, parse.GetValue(jobs), parse.GetValue(store), parse.GetValue(storePassword), parse.GetValue(node), parse.GetValue(checkin), stopToken(),
            parse.GetValue(storeCa), parse.GetValue(storePin),
            parse.GetValue(console) is { } url ? new ConsoleArguments(url, parse.GetValue(consoleCertificate), parse.GetValue(consoleAccounts)) : null));
        return command;
    }

    public static async Task<int> ExecuteAsync(
        CliIo io, string? jobs, string? store, string? storePasswordEnv, string? node, TimeSpan? checkin, CancellationToken stopToken,
        string? storeCaCertificate = null, string? storeCertificateSha256 = null, ConsoleArguments? console = null, Action<WebConsole>? consoleStarted = null)
    {
        ArgumentNullException.ThrowIfNull(io);
        ServeSettings settings;
        WebConsoleSettings? consoleSettings = null;
        var live = console is null ? null : new LiveRuns(io.Time);
        string home;
        try
        {
            home = DxmigHome.Resolve(io.Environment);
            var password = storePasswordEnv is null
                ? null
                : io.Environment(storePasswordEnv) ?? throw new ConfigurationException(
                    $"環境変数 {storePasswordEnv} が設定されていません / environment variable {storePasswordEnv} is not set");
            var location = StoreLocation.Parse(
                StoreTlsSettings.Fold(store ?? Path.Combine(home, "scheduler.db"), storeCaCertificate, storeCertificateSha256, Directory.GetCurrentDirectory()),
                Directory.GetCurrentDirectory(), password);
            var interval = checkin ?? ServeSettings.DefaultCheckinInterval;
            var jobsDirectory = Path.GetFullPath(jobs ?? "jobs");
            settings = new ServeSettings
            {
                JobsDirectory = jobsDirectory,
                Store = location,
                Node = NodeName(node),
                Environment = io.Environment,
                Time = io.Time,
                // Found beside the jobs (an install's /opt/dxmig/mappings) or on the search path; said at start when not found.
                ClosedDays = DefaultClosedDays(io, jobsDirectory, warnWhenMissing: true),
                // Runs of this node carry its node name into cluster runs (who holds which account).
                Runner = new JobRunnerServeRunner(new CliIo(
                    io.Output, io.Error, interactive: false,
                    name => name == JobRunner.NodeVariable ? NodeName(node) : io.Environment(name),
                    io.Time), live, NodeName(node)),
                CheckinInterval = interval,
                CheckinMisfireThreshold = interval * 2,
            };
        }
        catch (ConfigurationException ex)
        {
            io.Error.WriteLine(SecretMasker.Apply(ex.Message));
            return ExitCodes.Failed;
        }

        try
        {
            consoleSettings = console is null ? null : ConsoleLaunch.Settings(console, settings, io.Environment);
        }
        catch (ConfigurationException ex)
        {
            io.Error.WriteLine(SecretMasker.Apply(ex.Message));
            io.Error.WriteLine("操作コンソールの設定に誤りがあるため開始しませんでした / not started: the operator console's settings have errors");
            return ExitCodes.Failed;
        }

        using var logging = DxmigLogging.Create(LogLevel.Information, jsonFolder: null);
        IHost host;
        try
        {
            host = await ServeHost.BuildAsync(settings, logging.Loggers, stopToken);
        }
        catch (ConfigurationException ex)
        {
            // The scheduler's store refused (its certificate): said in plain words, no stack trace.
            io.Error.WriteLine(SecretMasker.Apply(ex.Message));
            return ExitCodes.Failed;
        }

        using var hostScope = host;
        var log = logging.Loggers.CreateLogger("dxmig.serve");
        log.LogInformation(
            "dxmig serve: ノード / node {Node} (ホスト / host {Host}), ジョブ / jobs {Jobs}, 保存先 / store {Store}{Cluster}",
            settings.Node, Environment.MachineName, settings.JobsDirectory, settings.Store.Display, settings.Clustered ? " (cluster)" : string.Empty);
        WebConsole? web = null;
        try
        {
            await host.StartAsync(stopToken);
            if (consoleSettings is not null)
            {
                var scheduler = await host.Services.GetRequiredService<ISchedulerFactory>().GetScheduler(stopToken);
                var records = new StoreConsoleRecords(await ConsoleStore.OpenAsync(settings.Store, settings.Time, stopToken));
                web = await WebConsole.StartAsync(
                    consoleSettings, new ServeConsoleScheduler(scheduler, settings, host.Services.GetRequiredService<ClusterParticipation>()), records, live!,
                    logging.Loggers, Path.Combine(home, "console-keys"), stopToken);
                log.LogInformation("dxmig serve: 操作コンソール / operator console {Address}", web.Address);
                consoleStarted?.Invoke(web);
            }

            await host.WaitForShutdownAsync(stopToken);
        }
        catch (OperationCanceledException) when (stopToken.IsCancellationRequested)
        {
            // Stopped before the host had fully started.
        }
        catch (Exception ex) when (ex is IOException or ConfigurationException or System.Security.Cryptography.CryptographicException)
        {
            // The console's port is taken, or its certificate cannot be read: said in plain words.
            io.Error.WriteLine($"操作コンソールを開始できません: {SecretMasker.Apply(ex.Message)} / the operator console cannot start");
            await host.StopAsync(CancellationToken.None);
            return ExitCodes.Failed;
        }
        finally
        {
            if (web is not null)
            {
                await web.DisposeAsync();
            }
        }

        log.LogInformation("dxmig serve: 停止しました / stopped");
        return ExitCodes.Success;
    }

    private static string NodeName(string? node) => string.IsNullOrWhiteSpace(node) ? Environment.MachineName : node;

    /// <summary>
    /// The Japanese closed-day calendar with mappings/closed-days.yaml found from <paramref name="jobsDirectory"/> (the
    /// rules alone when that file is broken: its errors are printed; or, with <paramref name="warnWhenMissing"/>, not found: a warning says so).
    /// </summary>
    internal static IClosedDays DefaultClosedDays(CliIo io, string? jobsDirectory = null, bool warnWhenMissing = false) =>
        Commands.CalendarCommand.LoadCalendar(io, configPath: null, jobsDirectory, warnWhenMissing)?.Calendar ?? ClosedDayCalendar.Standard;
}
