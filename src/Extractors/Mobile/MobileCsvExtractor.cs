using System.Runtime.CompilerServices;
using Dxmig.Contracts;
using Dxmig.Contracts.Records;
using Microsoft.Extensions.Logging;

namespace Dxmig.Extractors.Mobile;

/// <summary>
/// Reads the mobile-work exports (CP932 or UTF-8 with BOM), streaming, as two accounts: <c>devices</c> (the device
/// inventory, keyed by asset number) and <c>permissions</c> (the telework permission lists, keyed by employee id and
/// system). Every row becomes an item; bad rows are quarantined with file and line (see <see cref="MobileCsvRows"/>).
/// </summary>
public sealed class MobileCsvExtractor(MobileSourceOptions options, ILogger<MobileCsvExtractor> logger) : IExtractor<MobileEntry>
{
    public const string SystemName = "mobile-work";
    public const string DevicesAccount = "devices";
    public const string PermissionsAccount = "permissions";

    public ValueTask<SourceEstimate?> EstimateAsync(string account, CancellationToken cancellationToken)
    {
        var files = account == DevicesAccount ? [options.DeviceFile] : options.PermissionFiles;
        var bytes = files.Where(File.Exists).Sum(f => new FileInfo(f).Length);
        return ValueTask.FromResult<SourceEstimate?>(new SourceEstimate(null, bytes));
    }

    public async IAsyncEnumerable<SourceItem<MobileEntry>> ExtractAsync(
        string account, ExtractContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (account == DevicesAccount)
        {
            await foreach (var item in MobileCsvRows.ReadAsync(
                options.DeviceFile, options.Encoding, options.DeviceMap, ("端末台帳", "device inventory"),
                new SourceKey(SystemName, account, "devices", string.Empty, string.Empty), Device, null, logger, cancellationToken))
            {
                yield return Widen(item);
            }

            yield break;
        }

        if (account != PermissionsAccount)
        {
            throw new AccountFailedException($"不明なアカウント {account} です (devices か permissions)", $"unknown account {account} (devices or permissions)");
        }

        // Two lists (one per system) may name the same person: the key is employee id and system, across the lists.
        foreach (var file in options.PermissionFiles)
        {
            await foreach (var item in MobileCsvRows.ReadAsync(
                file, options.Encoding, options.PermissionMap, ("テレワーク許可一覧", "telework permission list"),
                new SourceKey(SystemName, account, "permissions:" + Path.GetFileName(file), string.Empty, string.Empty), Permission, p => p.System, logger, cancellationToken))
            {
                yield return Widen(item);
            }
        }
    }

    public static DeviceEntry Device(Func<string, string> get, string file, int line)
    {
        ArgumentNullException.ThrowIfNull(get);
        return new DeviceEntry
        {
            File = file,
            Line = line,
            AssetNumber = get("asset-number"),
            SerialNumber = get("serial-number"),
            Model = get("model"),
            Os = get("os"),
            SimIccid = get("sim-iccid"),
            PhoneNumber = get("phone-number"),
            Carrier = get("carrier"),
            State = get("state"),
            LentTo = get("lent-to"),
            DepartmentCode = get("department-code"),
            LendingPeriod = get("lending-period"),
        };
    }

    public static TeleworkPermissionEntry Permission(Func<string, string> get, string file, int line)
    {
        ArgumentNullException.ThrowIfNull(get);
        return new TeleworkPermissionEntry
        {
            File = file,
            Line = line,
            EmployeeId = get("employee-id"),
            Name = get("name"),
            DepartmentCode = get("department-code"),
            System = get("system"),
            ValidFrom = get("valid-from"),
            ValidUntil = get("valid-until"),
        };
    }

    private static SourceItem<MobileEntry> Widen<T>(SourceItem<T> item)
        where T : MobileEntry =>
        new(item.Key, item.ContentHash, item.Size, item.Location, item.Payload, item.Problem);
}
