namespace Dxmig.Jobs.Doctor;

/// <summary>One endpoint's checks as they ended: every line, the verdict (the worst line) and how long they took.</summary>
public sealed record DoctorResult(DoctorEndpoint Endpoint, IReadOnlyList<DoctorLine> Lines, DoctorStatus Verdict, TimeSpan Elapsed);
