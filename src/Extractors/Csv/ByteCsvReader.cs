namespace Dxmig.Extractors.Csv;

/// <summary>
/// Splits CSV into records at the byte level, streaming, before any decoding: quotes, commas, CR and LF never occur
/// as trail bytes in CP932 or UTF-8, so splitting first and decoding each field strictly afterwards finds bad bytes
/// per row (with its line) instead of failing or silently replacing for the whole file. Handles quoted fields with
/// newlines and doubled quotes, CRLF, LF or CR line ends. A quote left open is reported as a malformed record for its
/// first line, and reading resumes at the next line.
/// </summary>
public sealed class ByteCsvReader
{
    /// <summary>A record longer than this is malformed (a runaway quote), not a field to buffer.</summary>
    public const int DefaultMaxRecordBytes = 8 * 1024 * 1024;

    /// <summary>A quoted field spanning more lines than this is a runaway quote.</summary>
    public const int DefaultMaxRecordLines = 2000;

    private readonly Stream stream;
    private readonly int maxRecordBytes;
    private readonly int maxRecordLines;
    private readonly byte[] chunk = new byte[64 * 1024];
    private int chunkLength;
    private int chunkPosition;
    private long position;
    private int line = 1;

    /// <param name="stream">A seekable stream positioned at the first byte after any BOM.</param>
    /// <param name="maxRecordBytes">Longest record accepted before it is taken for a runaway quote.</param>
    /// <param name="maxRecordLines">Most lines one quoted record may span.</param>
    public ByteCsvReader(Stream stream, int maxRecordBytes = DefaultMaxRecordBytes, int maxRecordLines = DefaultMaxRecordLines)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanSeek)
        {
            throw new ArgumentException("the CSV stream must be seekable to resume after an unbalanced quote", nameof(stream));
        }

        this.stream = stream;
        this.maxRecordBytes = maxRecordBytes;
        this.maxRecordLines = maxRecordLines;
        position = stream.Position;
    }

    /// <summary>Reads the next record; null at the end. Blank lines are passed over.</summary>
    public async ValueTask<CsvRawRecord?> ReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var startOffset = position;
            var startLine = line;
            var buffer = new byte[256];
            var length = 0;
            var fields = new List<(int Start, int Length)>();
            var fieldStart = 0;
            var inQuotes = false;
            var quotedField = false;
            var afterClosingQuote = false;
            var any = false;

            while (true)
            {
                var b = await NextAsync(cancellationToken);
                if (b < 0)
                {
                    if (inQuotes)
                    {
                        return await MalformedAsync(startOffset, startLine, "引用符が閉じられていません / a quote is never closed", cancellationToken);
                    }

                    if (!any)
                    {
                        return null;
                    }

                    fields.Add((fieldStart, length - fieldStart));
                    return new CsvRawRecord(startLine, startOffset, (int)(position - startOffset), buffer, fields, null);
                }

                any = true;
                if (position - startOffset > maxRecordBytes || line - startLine > maxRecordLines)
                {
                    return await MalformedAsync(startOffset, startLine, "レコードが長すぎます (引用符の閉じ忘れ) / the record is too long (an unclosed quote)", cancellationToken);
                }

                if (inQuotes)
                {
                    if (b == '"')
                    {
                        if (await PeekAsync(cancellationToken) == '"')
                        {
                            await NextAsync(cancellationToken);
                            Append(ref buffer, ref length, (byte)'"');
                        }
                        else
                        {
                            inQuotes = false;
                            afterClosingQuote = true;
                        }
                    }
                    else
                    {
                        if (b == '\n' || (b == '\r' && await PeekAsync(cancellationToken) != '\n'))
                        {
                            line++;
                        }

                        Append(ref buffer, ref length, (byte)b);
                    }

                    continue;
                }

                switch (b)
                {
                    case ',':
                        fields.Add((fieldStart, length - fieldStart));
                        fieldStart = length;
                        quotedField = false;
                        afterClosingQuote = false;
                        continue;
                    case '\r':
                        if (await PeekAsync(cancellationToken) == '\n')
                        {
                            await NextAsync(cancellationToken);
                        }

                        line++;
                        goto case -2;
                    case '\n':
                        line++;
                        goto case -2;
                    case -2:
                        if (fields.Count == 0 && length == 0 && !quotedField)
                        {
                            // A blank line: not a record.
                            startOffset = position;
                            startLine = line;
                            any = false;
                            continue;
                        }

                        fields.Add((fieldStart, length - fieldStart));
                        return new CsvRawRecord(startLine, startOffset, (int)(position - startOffset), buffer, fields, null);
                    case '"' when length == fieldStart && !quotedField:
                        inQuotes = true;
                        quotedField = true;
                        continue;
                    default:
                        if (afterClosingQuote)
                        {
                            // Text after a closing quote ("ab"c): kept as written, as Excel does.
                            afterClosingQuote = false;
                        }

                        Append(ref buffer, ref length, (byte)b);
                        continue;
                }
            }
        }
    }

    private async ValueTask<CsvRawRecord> MalformedAsync(long startOffset, int startLine, string reason, CancellationToken cancellationToken)
    {
        // Go back to the record's start and take its first physical line as the bad record; go on after it.
        stream.Seek(startOffset, SeekOrigin.Begin);
        position = startOffset;
        chunkLength = 0;
        chunkPosition = 0;
        line = startLine;
        var buffer = new byte[256];
        var length = 0;
        while (true)
        {
            var b = await NextAsync(cancellationToken);
            if (b < 0 || b == '\n')
            {
                break;
            }

            if (b == '\r')
            {
                if (await PeekAsync(cancellationToken) == '\n')
                {
                    await NextAsync(cancellationToken);
                }

                break;
            }

            Append(ref buffer, ref length, (byte)b);
        }

        line = startLine + 1;
        return new CsvRawRecord(startLine, startOffset, (int)(position - startOffset), buffer, [(0, length)], reason);
    }

    private static void Append(ref byte[] buffer, ref int length, byte value)
    {
        if (length == buffer.Length)
        {
            Array.Resize(ref buffer, buffer.Length * 2);
        }

        buffer[length++] = value;
    }

    private async ValueTask<int> NextAsync(CancellationToken cancellationToken)
    {
        if (chunkPosition >= chunkLength && !await FillAsync(cancellationToken))
        {
            return -1;
        }

        position++;
        return chunk[chunkPosition++];
    }

    private async ValueTask<int> PeekAsync(CancellationToken cancellationToken)
    {
        if (chunkPosition >= chunkLength && !await FillAsync(cancellationToken))
        {
            return -1;
        }

        return chunk[chunkPosition];
    }

    private async ValueTask<bool> FillAsync(CancellationToken cancellationToken)
    {
        chunkLength = await stream.ReadAsync(chunk, cancellationToken);
        chunkPosition = 0;
        return chunkLength > 0;
    }
}
