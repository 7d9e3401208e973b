using System.Buffers;
using System.Security.Cryptography;

namespace Dxmig.Contracts.Records;

/// <summary>
/// The raw bytes of one message, held once: in a pooled buffer when the run's <see cref="MemoryBudget"/> allows,
/// otherwise in an owner-only temporary file, so a 30 MB message is never buffered twice and never kept after its
/// batch. The SHA-256 and the first bytes (the header block) are taken while the bytes arrive. Disposing returns the
/// buffer or deletes the file.
/// </summary>
public sealed class MessageContent : IDisposable
{
    /// <summary>Messages larger than this always go to a file.</summary>
    public const int MemoryLimit = 4 * 1024 * 1024;

    /// <summary>How many leading bytes are kept apart for reading the header block.</summary>
    public const int PrefixLength = 64 * 1024;

    private readonly byte[]? buffer;
    private readonly string? file;
    private readonly MemoryBudget? budget;
    private readonly long reservedBytes;
    private int disposed;

    private MessageContent(byte[]? buffer, string? file, long length, string sha256, ReadOnlyMemory<byte> prefix, MemoryBudget? budget = null, long reservedBytes = 0)
    {
        this.buffer = buffer;
        this.file = file;
        this.budget = budget;
        this.reservedBytes = reservedBytes;
        Length = length;
        Sha256 = sha256;
        Prefix = prefix;
    }

    public long Length { get; }

    /// <summary>SHA-256 of the bytes, lower-case hex.</summary>
    public string Sha256 { get; }

    /// <summary>
    /// The first bytes (up to <see cref="PrefixLength"/>): the header block of nearly every message. For a message held
    /// in memory these are its own bytes, not a copy: valid until the content is disposed.
    /// </summary>
    public ReadOnlyMemory<byte> Prefix { get; }

    public bool InMemory => buffer is not null;

    public static MessageContent FromBytes(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return new MessageContent(data, null, data.Length, Convert.ToHexStringLower(SHA256.HashData(data)), data, null);
    }

    /// <summary>Copies a stream once, hashing as it goes; <paramref name="expectedLength"/> and the budget choose memory or file.</summary>
    /// <param name="source">The bytes.</param>
    /// <param name="expectedLength">The announced size (RFC822.SIZE); a longer stream is still kept whole.</param>
    /// <param name="temporaryFolder">Where large messages go.</param>
    /// <param name="cancellationToken">Stops the copy.</param>
    /// <param name="budget">Bytes allowed in memory across the run.</param>
    /// <param name="wait">Wait for the budget (back-pressure) rather than spill to a file when it is spent.</param>
    public static async Task<MessageContent> CopyAsync(
        Stream source, long expectedLength, string temporaryFolder, CancellationToken cancellationToken, MemoryBudget? budget = null, bool wait = false)
    {
        ArgumentNullException.ThrowIfNull(source);
        budget ??= MemoryBudget.Unlimited;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[]? carried = null;
        var carriedLength = 0;
        var inMemory = expectedLength >= 0 && expectedLength <= MemoryLimit;
        if (inMemory && wait)
        {
            await budget.ReserveAsync(Rounded(expectedLength), cancellationToken);
        }

        if (inMemory && (wait || budget.TryReserve(Rounded(expectedLength))))
        {
            var reserved = Rounded(expectedLength);
            // One byte more than announced, so a message longer than its RFC822.SIZE is noticed rather than cut.
            var pooled = BodyBufferPool.Rent((int)expectedLength + 1);
            var length = 0;
            try
            {
                int read;
                while (length < pooled.Length && (read = await source.ReadAsync(pooled.AsMemory(length), cancellationToken)) > 0)
                {
                    length += read;
                }

                if (length < pooled.Length)
                {
                    hash.AppendData(pooled, 0, length);
                    var head = pooled.AsMemory(0, Math.Min(length, PrefixLength));
                    return new MessageContent(pooled, null, length, Convert.ToHexStringLower(hash.GetHashAndReset()), head, budget, reserved);
                }

                // Longer than the server announced: carry what was read over to a file and go on there.
                carried = pooled;
                carriedLength = length;
            }
            catch
            {
                BodyBufferPool.Return(pooled);
                budget.Release(reserved);
                throw;
            }

            budget.Release(reserved);
        }

        Directory.CreateDirectory(temporaryFolder);
        var path = Path.Combine(temporaryFolder, $"msg-{Guid.NewGuid():N}.eml");
        long total = 0;
        var prefix = new byte[PrefixLength];
        var prefixLength = 0;
        var options = OwnerOnlyFile.Options(FileAccess.Write, FileOptions.Asynchronous);

        var chunk = ArrayPool<byte>.Shared.Rent(256 * 1024);
        try
        {
            await using var target = new FileStream(path, options);
            if (carried is not null)
            {
                hash.AppendData(carried, 0, carriedLength);
                prefixLength = Math.Min(carriedLength, PrefixLength);
                Array.Copy(carried, prefix, prefixLength);
                await target.WriteAsync(carried.AsMemory(0, carriedLength), cancellationToken);
                total = carriedLength;
                BodyBufferPool.Return(carried);
                carried = null;
            }

            int read;
            while ((read = await source.ReadAsync(chunk, cancellationToken)) > 0)
            {
                hash.AppendData(chunk, 0, read);
                if (prefixLength < PrefixLength)
                {
                    var take = Math.Min(read, PrefixLength - prefixLength);
                    Array.Copy(chunk, 0, prefix, prefixLength, take);
                    prefixLength += take;
                }

                await target.WriteAsync(chunk.AsMemory(0, read), cancellationToken);
                total += read;
            }
        }
        catch
        {
            File.Delete(path);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
            if (carried is not null)
            {
                BodyBufferPool.Return(carried);
            }
        }

        return new MessageContent(null, path, total, Convert.ToHexStringLower(hash.GetHashAndReset()), prefix.AsMemory(0, prefixLength), null);
    }

    /// <summary>A fresh stream over the bytes (each call starts at the beginning).</summary>
    public Stream OpenRead()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        return buffer is not null
            ? new MemoryStream(buffer, 0, (int)Length, writable: false)
            : new FileStream(file!, FileMode.Open, FileAccess.Read, FileShare.Read, 256 * 1024, FileOptions.Asynchronous | FileOptions.SequentialScan);
    }


    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        if (buffer is not null && budget is not null)
        {
            BodyBufferPool.Return(buffer);
            budget.Release(reservedBytes);
        }

        if (file is not null)
        {
            try
            {
                File.Delete(file);
            }
            catch (IOException)
            {
                // The run's temporary folder is removed at its end and at the next start.
            }
        }
    }

    /// <summary>What a rented buffer of this length really takes (the pool rounds up to a power of two).</summary>
    private static long Rounded(long length) => BodyBufferPool.SizeFor(length + 1);
}
