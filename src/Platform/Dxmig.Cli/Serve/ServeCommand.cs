using System.CommandLine;
using Dxmig.Cli.Console;
using Dxmig.Contracts;
using Dxmig.Jobs;
using Dxmig.Platform.JobFiles;
using Dxmig.Platform.Logging;
using Dxmig.Platform.Pipeline;
using Dxmig.Platform.Scheduling;
using Dxmig.Platform.Storage;
using Microsoft.Extensions.Hosting;
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
        var node = new Option<string?>("--node") { Description = "クラスター内で一意なノード名 (既定: ホスト名) / node name, unique in the cluster (default: host name)" };
        var checkin = new Option<TimeSpan?>("--checkin-interval") { Description = "クラスターの生存通知の間隔 (既定 00:00:10) / cluster check-in interval (default 00:00:10)" };
        var command = new Command("serve", "スケジューラーとしてジョブを定期実行します / run scheduled jobs as the scheduler host") { jobs, store, storePassword, node, checkin };
        command.SetAction((parse, _) => ExecuteAsync(
            io, parse.GetValue(jobs), parse.GetValue(store), parse.GetValue(storePassword), parse.GetValue(node), parse.GetValue(checkin), stopToken()));
        return command;
    }

    public static async Task<int> ExecuteAsync(
        CliIo io, string? jobs, string? store, string? storePasswordEnv, string? node, TimeSpan? checkin, CancellationToken stopToken)
    {
        ArgumentNullException.ThrowIfNull(io);
        ServeSettings settings;
        try
        {
            var home = DxmigHome.Resolve(io.Environment);
            var password = storePasswordEnv is null
                ? null
                : io.Environment(storePasswordEnv) ?? throw new ConfigurationException(
                    $"環境変数 {storePasswordEnv} が設定されていません / environment variable {storePasswordEnv} is not set");
            var location = StoreLocation.Parse(store ?? Path.Combine(home, "scheduler.db"), Directory.GetCurrentDirectory(), password);
            var interval = checkin ?? ServeSettings.DefaultCheckinInterval;
            settings = new ServeSettings
            {
                JobsDirectory = Path.GetFullPath(jobs ?? "jobs"),
                Store = location,
                Node = NodeName(node),
                Environment = io.Environment,
                Time = io.Time,
                ClosedDays = DefaultClosedDays(io),
                // Runs of this node carry its node name into cluster runs (who holds which account).
                Runner = new JobRunnerServeRunner(new CliIo(
                    io.Output, io.Error, interactive: false,
                    name => name == JobRunner.NodeVariable ? NodeName(node) : io.Environment(name),
                    io.Time)),
                CheckinInterval = interval,
                CheckinMisfireThreshold = interval * 2,
            };
        }
        catch (ConfigurationException ex)
        {
            io.Error.WriteLine(SecretMasker.Apply(ex.Message));
            return ExitCodes.Failed;
        }

        using var logging = DxmigLogging.Create(LogLevel.Information, jsonFolder: null);
        using var host = await ServeHost.BuildAsync(settings, logging.Loggers, stopToken);
        var log = logging.Loggers.CreateLogger("dxmig.serve");
        log.LogInformation(
            "dxmig serve: ノード / node {Node}, ジョブ / jobs {Jobs}, 保存先 / store {Store}{Cluster}",
            settings.Node, settings.JobsDirectory, settings.Store.Display, settings.Clustered ? " (cluster)" : string.Empty);
        try
        {
            await host.RunAsync(stopToken);
        }
        catch (OperationCanceledException) when (stopToken.IsCancellationRequested)
        {
            // Stopped before the host had fully started.
        }

        log.LogInformation("dxmig serve: 停止しました / stopped");
        return ExitCodes.Success;
    }

    private static string NodeName(string? node) => string.IsNullOrWhiteSpace(node) ? Environment.MachineName : node;

    /// <summary>The Japanese closed-day calendar with mappings/closed-days.yaml (the rules alone when that file is broken: its errors are printed).</summary>
    internal static IClosedDays DefaultClosedDays(CliIo io) => Commands.CalendarCommand.LoadCalendar(io, configPath: null)?.Calendar ?? ClosedDayCalendar.Standard;
}
