using Dxmig.Contracts;

namespace Dxmig.Platform.Pipeline;

/// <summary>Receives progress as a run goes (progress bars, log lines). Called from several threads at once.</summary>
public interface IRunObserver
{
    void AccountStarted(string account, SourceEstimate? estimate);

    void ItemsProcessed(string account, int items, long bytes);

    void AccountFinished(AccountResult result);
}

/// <summary>An observer that ignores everything.</summary>
public sealed class NullRunObserver : IRunObserver
{
    public static readonly NullRunObserver Instance = new();

    public void AccountStarted(string account, SourceEstimate? estimate)
    {
    }

    public void ItemsProcessed(string account, int items, long bytes)
    {
    }

    public void AccountFinished(AccountResult result)
    {
    }
}
