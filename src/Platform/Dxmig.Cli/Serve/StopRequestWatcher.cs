using Dxmig.Contracts;
using Dxmig.Jobs;
using Dxmig.Jobs.Console;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Dxmig.Cli.Serve;

/// <summary>
/// Every scheduler node looks every few seconds for stop requests an operator made in the console (on this node or
/// another) and stops its own part of that job's run after the batch in hand. On a single node the request is then
/// marked handled; in a cluster every node taking part stops its part, and the request is closed after
/// <see cref="RequestLife"/>.
/// </summary>
internal sealed partial class StopRequestWatcher(ServeSettings settings, ClusterParticipation participation, ILogger<StopRequestWatcher> logger) : BackgroundService
{
    public static readonly TimeSpan Every = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan RequestLife = TimeSpan.FromMinutes(5);
    private readonly HashSet<long> acted = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        ConsoleStore? store = null;
        using var timer = new PeriodicTimer(Every, settings.Time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                store ??= await ConsoleStore.OpenAsync(settings.Store, settings.Time, stoppingToken);
                await CheckAsync(store, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(logger, Dxmig.Platform.Logging.SecretMasker.Apply(ex.Message));
            }
        }
    }

    internal async Task CheckAsync(ConsoleStore store, CancellationToken cancellationToken)
    {
        var requests = await store.OpenStopRequestsAsync(null, cancellationToken);
        if (requests.Count == 0)
        {
            return;
        }

        var running = participation.Running();
        var now = settings.Time.GetUtcNow().UtcDateTime;
        foreach (var request in requests)
        {
            foreach (var path in running.Where(p => NameOf(p) == request.Job))
            {
                if (acted.Add(request.Id) && participation.Stop(path))
                {
                    LogStopping(logger, request.Job, request.RunId ?? "-", request.RequestedBy);
                    if (!settings.Clustered)
                    {
                        await store.MarkHandledAsync(request.Id, settings.Node, cancellationToken);
                    }
                }
            }

            if (now - request.Utc > RequestLife)
            {
                await store.MarkHandledAsync(request.Id, settings.Node, cancellationToken);
            }
        }
    }

    private string NameOf(string path) =>
        JobLoader.Load(path, new DiagnosticBag(), settings.Environment, Platform.JobFiles.JobUse.History)?.File.Name ?? Path.GetFileNameWithoutExtension(path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Job}: 操作コンソールから停止の指示 ({Who}, 実行 {RunId})。処理中のバッチを記録してから止まります / stop requested in the console by {Who} (run {RunId}): stopping after the batch in hand")]
    private static partial void LogStopping(ILogger logger, string job, string runId, string who);

    [LoggerMessage(Level = LogLevel.Warning, Message = "停止の指示を確認できませんでした / could not check for stop requests: {Reason}")]
    private static partial void LogFailed(ILogger logger, string reason);
}
