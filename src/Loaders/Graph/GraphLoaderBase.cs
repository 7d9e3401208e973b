using Microsoft.Extensions.Logging;

namespace Dxmig.Loaders.Graph;

/// <summary>What the Graph loaders share: the session (owned or lent), the engine over it, the logger.</summary>
public abstract class GraphLoaderBase : IAsyncDisposable
{
    private readonly bool ownsSession;

    protected GraphLoaderBase(GraphSession session, ILogger logger, TimeProvider time, bool ownsSession)
    {
        ArgumentNullException.ThrowIfNull(session);
        Session = session;
        Logger = logger;
        Time = time;
        this.ownsSession = ownsSession;
        Engine = new GraphEngine(session, logger, time);
    }

    /// <summary>Counters of what was sent (for the benchmark and the run log).</summary>
    public GraphEngine Engine { get; }

    protected GraphSession Session { get; }

    protected ILogger Logger { get; }

    protected TimeProvider Time { get; }

    public ValueTask DisposeAsync()
    {
        if (ownsSession)
        {
            Session.Dispose();
        }

        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }
}
