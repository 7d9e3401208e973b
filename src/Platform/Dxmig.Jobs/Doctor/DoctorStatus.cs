namespace Dxmig.Jobs.Doctor;

/// <summary>The verdict of one check of <c>dxmig doctor</c>, printed as a word that reads without colour: OK, NG, WARN, SKIP.</summary>
public enum DoctorStatus
{
    /// <summary>The check passed.</summary>
    Ok,

    /// <summary>Works, but something a person should know (a permission that cannot be proved without writing).</summary>
    Warning,

    /// <summary>The check failed: the run would fail here.</summary>
    Failed,

    /// <summary>Not checked, because an earlier check of the same endpoint failed.</summary>
    Skipped,
}
