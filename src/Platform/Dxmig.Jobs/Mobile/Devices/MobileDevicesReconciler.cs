using Dxmig.Contracts.Text;
using Dxmig.Jobs.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using Dxmig.Extractors.Mobile;
using Dxmig.Loaders.PlatformStore;
using Dxmig.Contracts;
using Dxmig.Contracts.Records;
using Dxmig.Platform.Reconciliation;
using Dxmig.Platform.Storage;
using Dxmig.Transformers.Mobile;
using Microsoft.Extensions.Logging;

namespace Dxmig.Jobs.Mobile.Devices;

/// <summary>
/// Mobile work: the device inventory and the permission lists read again through the run's own extractor and
/// transformer, against the platform store's <c>devices</c> (by asset number) and <c>telework_permissions</c> (by
/// employee id and system), field by field; and the conflicts an admin must see, read from the store as it is now
/// (a device lent to someone no longer in the staff directory, a SIM in two devices, a lending period over but still
/// lent, a permission for an unknown person), as a section of the report.
/// </summary>
public sealed class MobileDevicesReconciler(MobileDevicesJobSettings settings, Dxmig.Platform.JobFiles.JobFile job, ILoggerFactory loggers, TimeProvider time)
    : IReconciler, IConflictReconciler
{
    private const string DevicesContainer = "devices";
    private const string PermissionsContainer = "telework_permissions";
    private readonly MobileCsvExtractor extractor = new(settings.Source, loggers.CreateLogger<MobileCsvExtractor>());
    private readonly MobileTransformer transformer = new(name => settings.Groups.System(name)?.Key);
    private readonly StoreLocation store = StoreLocation.Parse(settings.Store, job.Directory, settings.StorePassword?.Resolve(job.Environment));
    private long storeQueries;

    public string SourceDescription => $"端末台帳・テレワーク許可一覧 CSV / device inventory and permission lists ({1 + settings.Source.PermissionFiles.Count})";

    public string TargetDescription => $"platform store devices, telework_permissions ({store.Provider})";

    public IReadOnlyList<string> Compared => ["fields"];

    public long Requests => Interlocked.Read(ref storeQueries);

    public async IAsyncEnumerable<ReconItem> ReadSourceAsync(string account, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var item in extractor.ExtractAsync(account, new ExtractContext(NoCheckpoints.Instance), cancellationToken))
        {
            var targets = item.Problem is null ? transformer.Transform(item).Targets : [];
            var (container, identity, fields) = targets.Count > 0 ? Describe(targets[0]) : (Container(account), item.Key.Ref.NativeId, null);
            yield return new ReconItem(container, identity) { Location = item.Location, Size = item.Size, Ref = item.Key.Ref, Fields = fields };
        }
    }

    public async IAsyncEnumerable<ReconItem> ReadTargetAsync(string account, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var devices = account == MobileCsvExtractor.DevicesAccount;
        var sql = devices
            ? "SELECT \"AssetNumber\", \"SourceLocation\", \"SerialNumber\", \"Iccid\", \"State\", \"LentTo\", \"DepartmentCode\", \"LentFrom\", \"LentUntil\" FROM devices ORDER BY \"AssetNumber\""
            : "SELECT \"EmployeeId\", \"SystemKey\", \"SourceLocation\", \"DepartmentCode\", \"ValidFrom\", \"ValidUntil\" FROM telework_permissions ORDER BY \"EmployeeId\", \"SystemKey\"";
        await foreach (var row in StoreRows.ReadAsync(store, sql, [], () => Interlocked.Increment(ref storeQueries), cancellationToken))
        {
            string Text(int i) => PlatformContactsLoader.Text(row.GetValue(i));
            yield return devices
                ? new ReconItem(DevicesContainer, Text(0))
                {
                    Location = $"device/{Text(0)} ({Text(1)})",
                    TargetKey = $"device/{Text(0)}",
                    Fields = DeviceFields(Text(2), Text(3), Text(4), Text(5), Text(6), Text(7), Text(8)),
                }
                : new ReconItem(PermissionsContainer, $"{Text(0)}/{Text(1)}")
                {
                    Location = $"telework-permission/{Text(0)}/{Text(1)} ({Text(2)})",
                    TargetKey = $"telework-permission/{Text(0)}/{Text(1)}",
                    Fields = PermissionFields(Text(3), Text(4), Text(5)),
                };
        }
    }

    public async Task<IReadOnlyList<ReportConflict>> ConflictsAsync(CancellationToken cancellationToken)
    {
        await using (await PlatformMobileLoader.OpenAsync(store, time, cancellationToken))
        {
            // opened for its tables only: the rules read a store that may never have been loaded
        }

        var findings = await MobileRules.CheckAsync(store, JapanTime.Today(time), cancellationToken);
        Interlocked.Add(ref storeQueries, findings.Queries);
        return MobileDevicesJobKind.Conflicts(findings);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static string Container(string account) => account == MobileCsvExtractor.DevicesAccount ? DevicesContainer : PermissionsContainer;

    private static (string Container, string Identity, Dictionary<string, string> Fields) Describe(MobileRecord record) => record switch
    {
        DeviceRecord d => (DevicesContainer, d.AssetNumber, DeviceFields(
            d.SerialNumber ?? string.Empty, d.Iccid ?? string.Empty, d.State, d.LentTo ?? string.Empty, d.DepartmentCode ?? string.Empty, Date(d.LentFrom), Date(d.LentUntil))),
        TeleworkPermissionRecord p => (PermissionsContainer, $"{p.EmployeeId}/{p.SystemKey}", PermissionFields(p.DepartmentCode ?? string.Empty, Date(p.ValidFrom), Date(p.ValidUntil))),
        _ => throw new ArgumentException("unknown record", nameof(record)),
    };

    private static string Date(DateOnly? date) => date?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? string.Empty;

    private static Dictionary<string, string> DeviceFields(string serial, string iccid, string state, string lentTo, string department, string lentFrom, string lentUntil) =>
        new(StringComparer.Ordinal)
        {
            ["SerialNumber"] = serial,
            ["Iccid"] = iccid,
            ["State"] = state,
            ["LentTo"] = lentTo,
            ["DepartmentCode"] = department,
            ["LentFrom"] = lentFrom,
            ["LentUntil"] = lentUntil,
        };

    private static Dictionary<string, string> PermissionFields(string department, string validFrom, string validUntil) =>
        new(StringComparer.Ordinal) { ["DepartmentCode"] = department, ["ValidFrom"] = validFrom, ["ValidUntil"] = validUntil };
}
