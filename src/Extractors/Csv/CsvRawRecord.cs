namespace Dxmig.Extractors.Csv;

/// <summary>
/// One CSV record as bytes: where it starts (line and byte offset), how long it is, and its fields, still undecoded so
/// that a row with bad bytes is found and quarantined alone. <see cref="Malformed"/> is set when the record could not
/// be split (an unbalanced quote); it then covers a single physical line and has no fields.
/// </summary>
public sealed class CsvRawRecord
{
    internal CsvRawRecord(int line, long offset, int length, byte[] buffer, IReadOnlyList<(int Start, int Length)> fields, string? malformed)
    {
        Line = line;
        Offset = offset;
        Length = length;
        Buffer = buffer;
        Fields = fields;
        Malformed = malformed;
    }

    public int Line { get; }

    public long Offset { get; }

    public int Length { get; }

    public IReadOnlyList<(int Start, int Length)> Fields { get; }

    public string? Malformed { get; }

    internal byte[] Buffer { get; }

    public ReadOnlySpan<byte> Field(int index) => Buffer.AsSpan(Fields[index].Start, Fields[index].Length);

    /// <summary>The record's raw bytes (its unquoted field bytes, comma-joined), for hashing a record that could not be decoded.</summary>
    public ReadOnlySpan<byte> Raw => Buffer.AsSpan(0, Fields.Count == 0 ? 0 : Fields[^1].Start + Fields[^1].Length);
}
