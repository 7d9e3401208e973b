namespace Dxmig.Jobs.Doctor;

/// <summary>
/// One endpoint a job uses (a mailbox server, Graph, the ledger, the SMTP server for alerts, an export file) and how to
/// check it without moving data: <see cref="Probe"/> records one line per check on the <see cref="DoctorProbe"/> it is
/// given and stops at the first failure that makes the later checks meaningless.
/// </summary>
/// <param name="Role">What it is to the job, Japanese / English ("移行元 IMAP / source IMAP").</param>
/// <param name="Address">Where it is (host:port, a URL, a path), never with a secret.</param>
/// <param name="Probe">The checks, in order.</param>
public sealed record DoctorEndpoint(string Role, string Address, Func<DoctorProbe, CancellationToken, Task> Probe);
