using System.Runtime.CompilerServices;
using Dxmig.Contracts;
using Dxmig.Contracts.Records;
using Dxmig.Platform.Pipeline;
using Microsoft.Extensions.Logging;

namespace Dxmig.Extractors.Mobile;

/// <summary>
/// Reads the mobile-work exports (CP932 or UTF-8 with BOM), streaming, as two accounts: <c>devices</c> (the device
/// inventory, keyed by asset number) and <c>permissions</c> (the telework permission lists, keyed by employee id and
/// system). Every row becomes an item; bad rows are quarantined with file and line (see <see cref="MobileCsvRows"/>).
/// With <see cref="MobileSourceOptions.DeviceRemovals"/>, devices gone from the inventory are yielded as removals after
/// the last row (the store retires them), within the threshold.
/// </summary>
public sealed class MobileCsvExtractor(MobileSourceOptions options, ILogger<MobileCsvExtractor> logger) : IExtractor<MobileEntry>
{
    public const string SystemName = "mobile-work";
    public const string DevicesAccount = "devices";
    public const string PermissionsAccount = "permissions";

    /// <summary>The ledger container of the devices.</summary>
    public const string DevicesContainer = "devices";

    public ValueTask<SourceEstimate?> EstimateAsync(string account, CancellationToken cancellationToken)
    {
        var files = account == DevicesAccount ? [options.DeviceFile] : options.PermissionFiles;
        var bytes = files.Where(File.Exists).Sum(f => new FileInfo(f).Length);
        return ValueTask.FromResult<SourceEstimate?>(new SourceEstimate(null, bytes));
    }

    public async IAsyncEnumerable<SourceItem<MobileEntry>> ExtractAsync(
        string account, ExtractContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (account == DevicesAccount)
        {
            var present = new HashSet<string>(StringComparer.Ordinal);
            var rows = 0;
            var uncertain = false;
            await foreach (var item in MobileCsvRows.ReadAsync(
                options.DeviceFile, options.Encoding, options.DeviceMap, ("端末台帳", "device inventory"),
                new SourceKey(SystemName, account, DevicesContainer, string.Empty, string.Empty), Device, null, logger, cancellationToken))
            {
                if (item.Problem is not { Code: "empty-row" })
                {
                    rows++;
                    var id = item.Key.NativeId;
                    var line = id.LastIndexOf("#line:", StringComparison.Ordinal);
                    if (item.Problem is null || line > 0)
                    {
                        present.Add(line > 0 ? id[..line] : id);
                    }
                    else if (item.Problem is not { Code: "missing-key" })
                    {
                        uncertain = true;
                    }
                }

                yield return Widen(item);
            }

            if (options.DeviceRemovals is { } safety)
            {
                await foreach (var removal in RetirementsAsync(safety, present, rows, uncertain, context, cancellationToken))
                {
                    yield return removal;
                }
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

    /// <summary>
    /// Devices the ledger holds as loaded that are gone from the inventory, to be retired, within the threshold (above it
    /// none is, and the run warns). An inventory with no row, or with a row that cannot be read (it may be any device),
    /// retires nothing and warns: a failed export is not every device gone.
    /// </summary>
    private async IAsyncEnumerable<SourceItem<MobileEntry>> RetirementsAsync(
        DeletionSafety safety, HashSet<string> present, int rows, bool uncertain, ExtractContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var file = Path.GetFileName(options.DeviceFile);
        if (rows == 0 || uncertain)
        {
            var known = 0;
            await foreach (var _ in context.Known.ListLoadedAsync(DevicesContainer, cancellationToken))
            {
                known++;
            }

            if (known > 0)
            {
                context.Warn(
                    rows == 0
                        ? $"要確認: 端末台帳 {file} に端末がありません。エクスポートの失敗とみなし、登録済みの端末 {known} 台を廃止扱いにしませんでした"
                        : $"要確認: 端末台帳 {file} に読めない行があり、どの端末か分からないため、台帳から消えた端末を廃止扱いにしませんでした (行を直すと次の実行で処理します)",
                    rows == 0
                        ? $"needs attention: the device inventory {file} holds no device; taken for a failed export: none of the {known} known devices was retired"
                        : $"needs attention: the device inventory {file} has a row that cannot be read, so which device it is cannot be told: no device gone from the inventory was retired (fix the row and the next run does it)");
            }

            yield break;
        }

        var allowed = await RemovalScan.DecideAsync(
            safety, context, DevicesContainer, present.Contains,
            (count, percent) => (
                $"要確認: 端末台帳から {count} 台 ({percent:0.#}%) が消えていますが、しきい値 ({safety.MaxCount} 台・{safety.MaxPercent}%) を超えるため廃止扱いにしませんでした。一覧を確認し、dxmig run --confirm-deletes RUNID で確定してください",
                $"needs attention: {count} devices ({percent:0.#}%) are gone from the inventory, over the threshold ({safety.MaxCount} / {safety.MaxPercent}%): none was retired; review the pending-deletions list and confirm with dxmig run --confirm-deletes RUNID"),
            cancellationToken);
        foreach (var (asset, _) in allowed)
        {
            var entry = new DeviceEntry { File = file, Line = 0, AssetNumber = asset };
            yield return new SourceItem<MobileEntry>(
                new SourceKey(SystemName, DevicesAccount, DevicesContainer, asset, "removed"), "removed", 0, $"{file}: {asset} (removed)", entry, null) { Removal = true };
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
