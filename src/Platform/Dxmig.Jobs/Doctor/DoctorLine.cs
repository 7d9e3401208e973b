namespace Dxmig.Jobs.Doctor;

/// <summary>
/// One check's result: what was checked (Japanese / English) and, when it did not pass, why in plain words and what to
/// fix. Never a secret: every text goes through the log masker before it is shown.
/// </summary>
public sealed record DoctorLine(DoctorStatus Status, string Check, string? Detail = null, string? Fix = null)
{
    /// <summary>What kind of failure it was (refused, DNS, TLS, auth…); null when it passed.</summary>
    public ConnectionFailureKind? Failure { get; init; }
}
