namespace Dxmig.Contracts.Records;

/// <summary>
/// One row of a keyed CSV export as the export holds it (decoded text, nothing normalised): where it was read, and its
/// fields in canonical order for the content hash. The CESS schedule and facility-reservation rows derive from it.
/// </summary>
public abstract record CsvRowEntry
{
    public required string File { get; init; }

    public required int Line { get; init; }

    /// <summary>The fields in canonical order (for the content hash).</summary>
    public abstract IEnumerable<string> Fields();
}
