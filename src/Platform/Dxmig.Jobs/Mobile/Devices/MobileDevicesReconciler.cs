using Dxmig.Contracts.Text;
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
    private readonly StoreReader store = new(StoreLocation.Parse(settings.Store, job.Directory, settings.StorePassword?.Resolve(job.Environment)));
    private long ruleQueries;

    public string SourceDescription => $"端末台帳・テレワーク許可一覧 CSV / device inventory and permission lists ({1 + settings.Source.PermissionFiles.Count})";

    public string TargetDescription => $"platform store devices, telework_permissions ({store.Location.ProviderName})";

    public IReadOnlyList<string> Compared => ["fields"];

    public long Requests => store.Queries + Interlocked.Read(ref ruleQueries);

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
        if (account == MobileCsvExtractor.DevicesAccount)
        {
            await foreach (var d in store.DevicesAsync(cancellationToken))
            {
                if (d.ContentHash == PlatformMobileLoader.RemovedHash)
                {
                    // Retired because it is gone from the inventory: kept for its history, removed as far as the sync goes (the ledger counts it).
                    continue;
                }

                yield return new ReconItem(DevicesContainer, d.AssetNumber)
                {
                    Location = $"device/{d.AssetNumber} ({d.SourceLocation})",
                    TargetKey = $"device/{d.AssetNumber}",
                    Fields = DeviceFields(
                        d.SerialNumber ?? string.Empty, d.Iccid ?? string.Empty, d.State, d.LentTo ?? string.Empty, d.DepartmentCode ?? string.Empty,
                        d.LentFrom ?? string.Empty, d.LentUntil ?? string.Empty),
                };
            }

            yield break;
        }

        await foreach (var p in store.TeleworkPermissionsAsync(cancellationToken))
        {
            yield return new ReconItem(PermissionsContainer, $"{p.EmployeeId}/{p.SystemKey}")
            {
                Location = $"telework-permission/{p.EmployeeId}/{p.SystemKey} ({p.SourceLocation})",
                TargetKey = $"telework-permission/{p.EmployeeId}/{p.SystemKey}",
                Fields = PermissionFields(p.DepartmentCode ?? string.Empty, p.ValidFrom ?? string.Empty, p.ValidUntil ?? string.Empty),
            };
        }
    }

    public async Task<IReadOnlyList<ReportConflict>> ConflictsAsync(CancellationToken cancellationToken)
    {
        await using (await PlatformMobileLoader.OpenAsync(store.Location, time, cancellationToken))
        {
            // opened for its tables only: the rules read a store that may never have been loaded
        }

        var findings = await MobileRules.CheckAsync(store.Location, JapanTime.Today(time), cancellationToken);
        Interlocked.Add(ref ruleQueries, findings.Queries);
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
