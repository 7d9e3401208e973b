using System.Security.Cryptography;

namespace Dxmig.Platform.Records;

/// <summary>
/// The raw bytes of one message, held once: in memory when small, in an owner-only temporary file when large, so
/// a 30 MB message is never buffered twice and never kept after its batch. The SHA-256 is computed while the bytes
/// arrive. Disposing deletes the file.
/// </summary>
public sealed class MessageContent : IDisposable
{
    /// <summary>Messages up to this size stay in memory.</summary>
    public const int MemoryLimit = 256 * 1024;

    private readonly byte[]? bytes;
    private readonly string? file;
    private int disposed;

    private MessageContent(byte[]? bytes, string? file, long length, string sha256)
    {
        this.bytes = bytes;
        this.file = file;
        Length = length;
        Sha256 = sha256;
    }

    public long Length { get; }

    /// <summary>SHA-256 of the bytes, lower-case hex.</summary>
    public string Sha256 { get; }

    public bool InMemory => bytes is not null;

    public static MessageContent FromBytes(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return new MessageContent(data, null, data.Length, Convert.ToHexStringLower(SHA256.HashData(data)));
    }

    /// <summary>Copies a stream once, hashing as it goes; <paramref name="expectedLength"/> chooses memory or file.</summary>
    public static async Task<MessageContent> CopyAsync(Stream source, long expectedLength, string temporaryFolder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[81920];
        if (expectedLength <= MemoryLimit)
        {
            using var memory = new MemoryStream((int)Math.Max(0, expectedLength));
            int read;
            while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                memory.Write(buffer, 0, read);
            }

            var data = memory.ToArray();
            return new MessageContent(data, null, data.Length, Convert.ToHexStringLower(hash.GetHashAndReset()));
        }

        Directory.CreateDirectory(temporaryFolder);
        var path = Path.Combine(temporaryFolder, $"msg-{Guid.NewGuid():N}.eml");
        long length = 0;
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Options = FileOptions.Asynchronous };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            await using var target = new FileStream(path, options);
            int read;
            while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                length += read;
            }
        }
        catch
        {
            File.Delete(path);
            throw;
        }

        return new MessageContent(null, path, length, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    /// <summary>A fresh stream over the bytes (each call starts at the beginning).</summary>
    public Stream OpenRead()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        return bytes is not null
            ? new MemoryStream(bytes, writable: false)
            : new FileStream(file!, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous | FileOptions.SequentialScan);
    }

    /// <summary>The first bytes (headers), for parsing metadata without reading a large body.</summary>
    public byte[] Head(int max)
    {
        using var stream = OpenRead();
        var buffer = new byte[(int)Math.Min(max, Length)];
        stream.ReadExactly(buffer);
        return buffer;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 0 && file is not null)
        {
            try
            {
                File.Delete(file);
            }
            catch (IOException)
            {
                // Deleted at the next start of the run's temporary folder clean-up.
            }
        }
    }
}
