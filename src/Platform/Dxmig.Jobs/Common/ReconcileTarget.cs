using Dxmig.Loaders.Graph;
using Dxmig.Loaders.PlatformStore;
using Dxmig.Platform.JobFiles;
using Dxmig.Platform.Storage;
using Microsoft.Extensions.Logging;

namespace Dxmig.Jobs.Common;

/// <summary>
/// The target a record job's reconciler reads: Microsoft Graph (a session and a paging reader) when the job has a Graph
/// target, else the platform store; with the count of requests sent to either.
/// </summary>
public sealed class ReconcileTarget : IDisposable
{
    private ReconcileTarget(GraphSession? session, GraphReader? graph, StoreReader? store)
    {
        Session = session;
        Graph = graph;
        Store = store;
    }

    public GraphSession? Session { get; }

    public GraphReader? Graph { get; }

    /// <summary>The platform store's read side, when the target is the store.</summary>
    public StoreReader? Store { get; }

    /// <summary>Requests sent so far: store queries and Graph HTTP requests.</summary>
    public long Requests => (Store?.Queries ?? 0) + (Graph?.Engine.HttpRequests ?? 0);

    public static ReconcileTarget Open(
        GraphTargetSettings? graph, string store, SecretReference? storePassword, JobFile job, ILoggerFactory loggers, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(loggers);
        if (graph is not null)
        {
            var session = new GraphSession(graph.Resolve(job.Environment));
            return new ReconcileTarget(session, new GraphReader(new GraphEngine(session, loggers.CreateLogger("dxmig.reconcile.graph"), time)), null);
        }

        return new ReconcileTarget(null, null, new StoreReader(StoreLocation.Parse(store, job.Directory, storePassword?.Resolve(job.Environment))));
    }

    public void Dispose() => Session?.Dispose();
}
