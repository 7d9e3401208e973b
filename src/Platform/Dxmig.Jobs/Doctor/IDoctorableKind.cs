namespace Dxmig.Jobs.Doctor;

/// <summary>
/// A kind whose endpoints <c>dxmig doctor</c> can check: connectivity, credentials and permissions, read-only. The
/// ledger and the alert mail server, which every job has, are added by <see cref="DoctorService"/>.
/// </summary>
public interface IDoctorableKind<TSettings>
    where TSettings : class
{
    /// <summary>The kind's own endpoints (source, target, store), each with its checks.</summary>
    IEnumerable<DoctorEndpoint> DoctorEndpoints(JobContext<TSettings> context, DoctorRequest request);
}
