using System.Reflection;
using Dxmig.GraphEmulator;

namespace Dxmig.Bench;

/// <summary>What one mailbox cost at the emulator: Graph requests and bytes admitted, 429 answers, bytes sent again, and what it holds.</summary>
internal sealed record MailboxUsage(long Admitted, long Bytes, long Throttled, long Resent, int Stored, int Doubled)
{
    private const string SourceKeyProperty = "String {6f1b7c2a-3e4d-4a5b-8c9d-0e1f2a3b4c5d} Name dxmigSourceKey";

    /// <summary>Every counted operation except the batch envelope, its items (counted as their own operations) and token requests.</summary>
    private static readonly IReadOnlyList<string> Counted = [.. typeof(Operations).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (string)f.GetValue(null)!)
        .Where(o => o is not Operations.Batch and not Operations.BatchItem and not Operations.Token)];

    public static MailboxUsage Of(GraphEmulator.GraphEmulator graph, string upn)
    {
        var counters = Counted.Select(o => graph.Stats.For(upn, o)).ToList();
        var bytes = counters.Sum(c => c.BytesAdmitted);
        var messages = graph.Store.AllMessages(upn);
        return new MailboxUsage(
            counters.Sum(c => c.Requests - c.Throttled), bytes, counters.Sum(c => c.Throttled), counters.Sum(c => c.BytesReceived) - bytes,
            messages.Count, messages.GroupBy(m => m.ExtendedProperty(SourceKeyProperty)).Sum(g => g.Count() - 1));
    }

    /// <summary>
    /// The fastest the budgets allow this mailbox's work: a sliding window admits a budget at once and then one budget
    /// per window, so R admitted requests need (⌈R/LIMIT⌉ − 1) windows and B bytes (⌈B/BYTES⌉ − 1) upload windows.
    /// </summary>
    public double CeilingSeconds(ThrottlingSettings budgets)
    {
        ArgumentNullException.ThrowIfNull(budgets);
        var requestTime = (Math.Ceiling((double)Admitted / budgets.RequestLimit) - 1) * budgets.RequestWindow.TotalSeconds;
        var uploadTime = (Math.Ceiling((double)Bytes / budgets.UploadByteLimit) - 1) * budgets.UploadWindow.TotalSeconds;
        return Math.Max(0, Math.Max(requestTime, uploadTime));
    }
}
