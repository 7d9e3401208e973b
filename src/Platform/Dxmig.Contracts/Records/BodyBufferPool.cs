using System.Collections.Concurrent;
using System.Numerics;

namespace Dxmig.Contracts.Records;

/// <summary>
/// Buffers for message bodies held in memory: power-of-two sizes, handed back for the next message rather than left to
/// the garbage collector, up to <see cref="RetainedCapacity"/> bytes kept in all. A body of a few hundred kilobytes is a
/// large-object-heap array: allocating one per message made the collector run a full collection every few dozen
/// messages and touch fresh pages each time (measured: 35 gen2 collections in a 20,000-message run). The shared
/// <see cref="System.Buffers.ArrayPool{T}"/> keeps arrays for the process's life per thread and per size without a
/// bound in bytes, and one made by <c>ArrayPool.Create</c> keeps a fixed count per size whatever the size. Thread-safe.
/// </summary>
internal static class BodyBufferPool
{
    /// <summary>At most this many bytes of free buffers are kept: as much as the run's memory budget lets be in use.</summary>
    public const long RetainedCapacity = MemoryBudget.DefaultCapacity;

    private const int SmallestBucket = 12; // 4 KB

    private static readonly ConcurrentBag<byte[]>[] Buckets =
        [.. Enumerable.Range(0, BitOperations.Log2((uint)MessageContent.MemoryLimit) + 2 - SmallestBucket).Select(_ => new ConcurrentBag<byte[]>())];

    private static long retained;

    /// <summary>A buffer of at least <paramref name="minimumLength"/> bytes (its contents are not cleared).</summary>
    public static byte[] Rent(int minimumLength)
    {
        var bucket = BucketOf(minimumLength);
        if (bucket < Buckets.Length && Buckets[bucket].TryTake(out var buffer))
        {
            Interlocked.Add(ref retained, -buffer.Length);
            return buffer;
        }

        return GC.AllocateUninitializedArray<byte>(1 << (bucket + SmallestBucket));
    }

    /// <summary>Keeps the buffer for the next message, or lets it go when enough are kept already.</summary>
    public static void Return(byte[] buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        var bucket = BucketOf(buffer.Length);
        if (bucket >= Buckets.Length || 1 << (bucket + SmallestBucket) != buffer.Length)
        {
            return;
        }

        if (Interlocked.Add(ref retained, buffer.Length) > RetainedCapacity)
        {
            Interlocked.Add(ref retained, -buffer.Length);
            return;
        }

        Buckets[bucket].Add(buffer);
    }

    /// <summary>The size a buffer for this length really takes.</summary>
    public static long SizeFor(long length) => 1L << (BucketOf((int)Math.Min(length, int.MaxValue)) + SmallestBucket);

    private static int BucketOf(int length) =>
        Math.Max(0, BitOperations.Log2(BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, length))) - SmallestBucket);
}
