namespace Dxmig.TestSupport.Exchange;

/// <summary>
/// One throttled answer: the mailbox and connection, the command refused, the backoff it suggested, when it was written,
/// whether it fell inside an earlier backoff (the client had not waited), and how long the client then waited before its
/// next command on that connection (null until that command comes, or if none came).
/// </summary>
public sealed record ExchangeThrottleRecord(
    string Mailbox,
    int Connection,
    string Tag,
    string Command,
    TimeSpan Backoff,
    DateTimeOffset AnsweredAt,
    bool WithinEarlierBackoff)
{
    /// <summary>The time from the answer to the connection's next command; null until it comes.</summary>
    public TimeSpan? WaitedBeforeNextCommand { get; internal set; }

    /// <summary>True once the next command came no sooner than the suggested backoff.</summary>
    public bool Honoured => WaitedBeforeNextCommand >= Backoff;
}
