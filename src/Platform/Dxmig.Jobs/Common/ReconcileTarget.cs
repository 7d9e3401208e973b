using Dxmig.Loaders.Graph;
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
    private long storeQueries;

    private ReconcileTarget(GraphSession? session, GraphReader? graph, StoreLocation? store)
    {
        Session = session;
        Graph = graph;
        Store = store;
    }

    public GraphSession? Session { get; }

    public GraphReader? Graph { get; }

    public StoreLocation? Store { get; }

    /// <summary>Requests sent so far: store queries and Graph HTTP requests.</summary>
    public long Requests => Interlocked.Read(ref storeQueries) + (Graph?.Engine.HttpRequests ?? 0);

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

        return new ReconcileTarget(null, null, StoreLocation.Parse(store, job.Directory, storePassword?.Resolve(job.Environment)));
    }

    /// <summary>Counts one store query (the callback <see cref="StoreRows"/> takes).</summary>
    public void CountQuery() => Interlocked.Increment(ref storeQueries);

    public void Dispose() => Session?.Dispose();
}
