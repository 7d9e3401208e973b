namespace Dxmig.Contracts.Records;

/// <summary>
/// One row of a mobile-work export, as the export holds it (decoded text, nothing normalised): a device of the
/// inventory (<see cref="DeviceEntry"/>) or a telework permission (<see cref="TeleworkPermissionEntry"/>).
/// </summary>
public abstract record MobileEntry
{
    public required string File { get; init; }

    public required int Line { get; init; }

    /// <summary>The fields in canonical order (for the content hash).</summary>
    public abstract IEnumerable<string> Fields();
}
