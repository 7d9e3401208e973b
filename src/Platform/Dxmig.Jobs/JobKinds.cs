using Dxmig.Jobs.AddressBook;
using Dxmig.Jobs.Cess.Calendar;
using Dxmig.Jobs.Cess.Documents;
using Dxmig.Jobs.Cess.Staff;
using Dxmig.Jobs.Mail;
using Dxmig.Jobs.Mobile.Devices;
using Dxmig.Jobs.Mobile.TeleworkGroups;
using Dxmig.Platform.JobFiles;

namespace Dxmig.Jobs;

/// <summary>Every job kind this build of dxmig knows, by the name a job file gives in <c>kind:</c>. A new kind is one line here.</summary>
public static class JobKinds
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

    /// <summary>What the job-file reader needs of each kind: its name and mapping names.</summary>
    public static IReadOnlyDictionary<string, JobKindSchema> Schemas { get; } =
        All.Values.ToDictionary(k => k.Name, k => new JobKindSchema(k.Name, k.MappingNames), StringComparer.Ordinal);
}
