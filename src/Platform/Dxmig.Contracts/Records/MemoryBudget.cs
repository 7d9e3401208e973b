namespace Dxmig.Contracts.Records;

/// <summary>
/// How many bytes of message bodies may sit in memory at once across a run (the rest goes to temporary files), so
/// the process stays lean whatever the mailbox sizes. Thread-safe.
/// </summary>
public sealed class MemoryBudget(long capacity)
{
    /// <summary>The default for a run: enough for batches of ordinary mail, small against the 300 MB goal.</summary>
    public const long DefaultCapacity = 32L * 1024 * 1024;

    private readonly Lock gate = new();
    private long used;

    /// <summary>Completed by the next <see cref="Release"/>; made only while someone waits.</summary>
    private TaskCompletionSource? released;

    /// <summary>No limit (tools and tests).</summary>
    public static MemoryBudget Unlimited { get; } = new(long.MaxValue);

    public long Capacity { get; } = capacity;

    public long Used => Interlocked.Read(ref used);

    public bool TryReserve(long bytes)
    {
        while (true)
        {
            var current = Interlocked.Read(ref used);
            if (current + bytes > Capacity)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref used, current + bytes, current) == current)
            {
                return true;
            }
        }
    }

    /// <summary>
    /// Waits until the bytes fit, then takes them: back-pressure from the loader to the reader, instead of spilling to
    /// disk. A request larger than the whole budget is granted once nothing else is held. The waiter wakes as soon as
    /// memory is given back (it used to poll, sleeping up to 50 ms while the loader had already freed what it needed).
    /// </summary>
    public async ValueTask ReserveAsync(long bytes, CancellationToken cancellationToken)
    {
        while (!TryTake(bytes))
        {
            Task wait;
            lock (gate)
            {
                wait = (released ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            }

            // Memory given back between the failed attempt and the wait being set up is not missed: try once more.
            if (TryTake(bytes))
            {
                return;
            }

            await wait.WaitAsync(cancellationToken);
        }
    }

    public void Release(long bytes)
    {
        Interlocked.Add(ref used, -bytes);
        TaskCompletionSource? waiting;
        lock (gate)
        {
            waiting = released;
            released = null;
        }

        waiting?.TrySetResult();
    }

    private bool TryTake(long bytes) => TryReserve(bytes) || (Interlocked.Read(ref used) == 0 && bytes > Capacity && TryForce(bytes));

    private bool TryForce(long bytes) => Interlocked.CompareExchange(ref used, bytes, 0) == 0;
}
