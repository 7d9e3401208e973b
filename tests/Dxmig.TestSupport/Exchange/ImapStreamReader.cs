namespace Dxmig.TestSupport.Exchange;

/// <summary>Reads an IMAP stream as lines (CRLF kept) and literal bytes, from one buffer.</summary>
internal sealed class ImapStreamReader(Stream stream)
{
    private readonly byte[] buffer = new byte[16 * 1024];
    private int start;
    private int end;

    /// <summary>The next line with its CRLF; null at the end of the stream. A line longer than
    /// <paramref name="maxLength"/> throws <see cref="InvalidDataException"/>.</summary>
    public async ValueTask<byte[]?> ReadLineAsync(int maxLength, CancellationToken cancellationToken)
    {
        using var line = new MemoryStream();
        while (true)
        {
            if (start == end && !await FillAsync(cancellationToken))
            {
                return null;
            }

            var newline = Array.IndexOf(buffer, (byte)'\n', start, end - start);
            var take = newline < 0 ? end - start : newline + 1 - start;
            line.Write(buffer, start, take);
            start += take;
            if (newline >= 0)
            {
                return line.ToArray();
            }

            if (line.Length > maxLength)
            {
                throw new InvalidDataException($"an IMAP line longer than {maxLength} bytes");
            }
        }
    }

    /// <summary>Hands the next <paramref name="count"/> bytes to <paramref name="sink"/> in chunks (null: skips them).</summary>
    public async ValueTask CopyAsync(long count, Func<ReadOnlyMemory<byte>, ValueTask>? sink, CancellationToken cancellationToken)
    {
        while (count > 0)
        {
            if (start == end && !await FillAsync(cancellationToken))
            {
                throw new EndOfStreamException("the stream ended inside a literal");
            }

            var take = (int)Math.Min(count, end - start);
            if (sink is not null)
            {
                await sink(buffer.AsMemory(start, take));
            }

            start += take;
            count -= take;
        }
    }

    public async ValueTask<byte[]> ReadBytesAsync(int count, CancellationToken cancellationToken)
    {
        var bytes = new byte[count];
        var filled = 0;
        await CopyAsync(count, chunk =>
        {
            chunk.CopyTo(bytes.AsMemory(filled));
            filled += chunk.Length;
            return ValueTask.CompletedTask;
        }, cancellationToken);
        return bytes;
    }

    private async ValueTask<bool> FillAsync(CancellationToken cancellationToken)
    {
        start = 0;
        end = await stream.ReadAsync(buffer, cancellationToken);
        return end > 0;
    }

    /// <summary>
    /// Whether <paramref name="line"/> (CRLF included) ends with a literal announcement <c>{n}</c>, <c>{n+}</c> or
    /// <c>~{n}</c>; <paramref name="markerStart"/> is where it starts.
    /// </summary>
    public static bool TryGetLiteral(ReadOnlySpan<byte> line, out long size, out bool synchronizing, out int markerStart)
    {
        size = 0;
        synchronizing = true;
        markerStart = -1;
        var end = line.Length;
        if (end >= 2 && line[end - 2] == '\r' && line[end - 1] == '\n')
        {
            end -= 2;
        }
        else if (end >= 1 && line[end - 1] == '\n')
        {
            end -= 1;
        }

        if (end < 3 || line[end - 1] != '}')
        {
            return false;
        }

        var i = end - 2;
        if (line[i] == '+')
        {
            synchronizing = false;
            i--;
        }

        var digitsEnd = i;
        while (i >= 0 && line[i] is >= (byte)'0' and <= (byte)'9')
        {
            i--;
        }

        if (i < 0 || line[i] != '{' || i == digitsEnd || digitsEnd - i > 12)
        {
            return false;
        }

        for (var d = i + 1; d <= digitsEnd; d++)
        {
            size = (size * 10) + (line[d] - '0');
        }

        markerStart = i > 0 && line[i - 1] == '~' ? i - 1 : i;
        return true;
    }
}
