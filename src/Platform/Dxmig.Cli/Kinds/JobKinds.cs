using Dxmig.Platform.Jobs;

namespace Dxmig.Cli.Kinds;

/// <summary>Every job kind this build of dxmig knows, by the name a job file gives in <c>kind:</c>.</summary>
internal static class JobKinds
{
    public static IReadOnlyDictionary<string, IJobKind> All { get; } = new IJobKind[]
    {
        new AddressBookJobKind(),
        new MailJobKind(),
        new StaffJobKind(),
        new TeleworkGroupsJobKind(),
        new MobileDevicesJobKind(),
        new DocumentJobKind(),
        new ScheduleJobKind(),
        new FacilityJobKind(),
    }.ToDictionary(k => k.Name, StringComparer.Ordinal);
}
