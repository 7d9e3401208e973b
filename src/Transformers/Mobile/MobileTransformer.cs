using System.Text;
using System.Text.RegularExpressions;
using Dxmig.Contracts;
using Dxmig.Contracts.Records;
using Dxmig.Transformers.Text;

namespace Dxmig.Transformers.Mobile;

/// <summary>
/// A mobile-work row → a record for the platform store. A device: serial number upper-case without spaces, ICCID
/// digits only (19–20 digits starting 89, else <c>bad-iccid</c>), phone in E.164, state named (貸出中 → lent, 在庫 →
/// stock, 修理中 → repair, 廃棄 → retired; else <c>unknown-state</c>), lending period parsed (令和6年4月1日～令和7年3月31日,
/// era or Gregorian; else <c>bad-date</c>). A permission: its system named through the group map (else
/// <c>unknown-system</c>), its period parsed. Who a device is lent to or a permission names is not checked here: a
/// person missing from the staff directory is a conflict the report shows, not a bad row. A device gone from the
/// inventory (a removal) passes through with its asset number alone, to be retired.
/// </summary>
public sealed partial class MobileTransformer(Func<string, string?> systemKey) : ITransformer<MobileEntry, MobileRecord>
{
    private static readonly Dictionary<string, string> States = new(StringComparer.Ordinal)
    {
        ["貸出中"] = "lent", ["貸出"] = "lent", ["使用中"] = "lent",
        ["在庫"] = "stock", ["保管中"] = "stock", ["未貸出"] = "stock", ["返却済"] = "stock",
        ["修理中"] = "repair", ["故障"] = "repair",
        ["廃棄"] = "retired", ["廃棄済"] = "retired",
    };

    public TransformResult<MobileRecord> Transform(SourceItem<MobileEntry> item)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (item.Removal && item.Payload is DeviceEntry gone)
        {
            // Gone from the inventory: retired in the store (the row and its history stay), by asset number alone.
            return TransformResult<MobileRecord>.Load(new DeviceRecord
            {
                AssetNumber = item.Key.NativeId, ContentHash = item.ContentHash, SourceLocation = item.Location, Original = gone, State = "retired",
            });
        }

        return item.Payload switch
        {
            DeviceEntry device => Device(item, device),
            TeleworkPermissionEntry permission => Permission(item, permission),
            _ => throw new ArgumentException("an item without payload cannot be transformed", nameof(item)),
        };
    }

    /// <summary>A period "A～B" (also 〜, ~, から, －); either side may be empty. False when a side is not a date.</summary>
    public static bool TryParsePeriod(string text, out DateOnly? from, out DateOnly? until)
    {
        from = until = null;
        var value = (text ?? string.Empty).Trim();
        if (value.Length == 0)
        {
            return true;
        }

        var parts = PeriodSeparator().Split(value, 2);
        return TryDate(parts[0], out from) && (parts.Length == 1 || TryDate(parts[1], out until));
    }

    /// <summary>A date, or nothing for a blank; false when it is not a date.</summary>
    public static bool TryDate(string text, out DateOnly? date)
    {
        date = null;
        if ((text ?? string.Empty).Trim().Length == 0)
        {
            return true;
        }

        if (!JapaneseDate.TryParse(text, out var parsed))
        {
            return false;
        }

        date = parsed;
        return true;
    }

    private static TransformResult<MobileRecord> Device(SourceItem<MobileEntry> item, DeviceEntry d)
    {
        var line = d.Line;
        var iccid = Digits(d.SimIccid);
        if (iccid is not null && (iccid.Length is < 19 or > 20 || !iccid.StartsWith("89", StringComparison.Ordinal)))
        {
            return TransformResult<MobileRecord>.Quarantine("bad-iccid",
                $"行 {line}: SIM の ICCID '{d.SimIccid}' は 89 で始まる 19～20 桁ではありません", $"line {line}: SIM ICCID '{d.SimIccid}' is not 19-20 digits starting with 89");
        }

        var stateText = d.State.Normalize(NormalizationForm.FormKC).Trim();
        if (!States.TryGetValue(stateText, out var state))
        {
            return TransformResult<MobileRecord>.Quarantine("unknown-state",
                $"行 {line}: 状態 '{d.State}' が不明です (貸出中・在庫・修理中・廃棄)", $"line {line}: state '{d.State}' is unknown (貸出中, 在庫, 修理中, 廃棄)");
        }

        if (!TryParsePeriod(d.LendingPeriod, out var from, out var until))
        {
            return TransformResult<MobileRecord>.Quarantine("bad-date",
                $"行 {line}: 貸出期間 '{d.LendingPeriod}' は日付として読めません", $"line {line}: lending period '{d.LendingPeriod}' is not a valid date range");
        }

        var lentTo = Key(d.LentTo);
        if (state == "lent" && lentTo is null)
        {
            return TransformResult<MobileRecord>.Quarantine("lent-to-nobody",
                $"行 {line}: 貸出中ですが貸出先がありません", $"line {line}: the device is lent but names nobody");
        }

        var serial = new string(d.SerialNumber.Normalize(NormalizationForm.FormKC).Where(c => !char.IsWhiteSpace(c)).ToArray()).ToUpperInvariant();
        return TransformResult<MobileRecord>.Load(new DeviceRecord
        {
            AssetNumber = item.Key.NativeId,
            ContentHash = item.ContentHash,
            SourceLocation = item.Location,
            Original = d,
            SerialNumber = serial.Length == 0 ? null : serial,
            Iccid = iccid,
            PhoneE164 = JapaneseNormalizer.PhoneE164(d.PhoneNumber),
            State = state,
            LentTo = state == "lent" ? lentTo : null,
            DepartmentCode = Key(d.DepartmentCode),
            LentFrom = from,
            LentUntil = until,
        });
    }

    private TransformResult<MobileRecord> Permission(SourceItem<MobileEntry> item, TeleworkPermissionEntry p)
    {
        var line = p.Line;
        if (systemKey(p.System) is not { } system)
        {
            return TransformResult<MobileRecord>.Quarantine("unknown-system",
                $"行 {line}: 利用システム '{p.System}' が telework-groups.yaml にありません", $"line {line}: system '{p.System}' is not in telework-groups.yaml");
        }

        if (!TryDate(p.ValidFrom, out var from) || !TryDate(p.ValidUntil, out var until))
        {
            return TransformResult<MobileRecord>.Quarantine("bad-date",
                $"行 {line}: 許可期間 '{p.ValidFrom}'～'{p.ValidUntil}' は日付として読めません", $"line {line}: permission period '{p.ValidFrom}' to '{p.ValidUntil}' is not a valid date");
        }

        return TransformResult<MobileRecord>.Load(new TeleworkPermissionRecord
        {
            EmployeeId = Key(p.EmployeeId)!,
            SystemKey = system,
            ContentHash = item.ContentHash,
            SourceLocation = item.Location,
            Original = p,
            DepartmentCode = Key(p.DepartmentCode),
            ValidFrom = from,
            ValidUntil = until,
        });
    }

    private static string? Key(string value) => value.Normalize(NormalizationForm.FormKC).Trim() is { Length: > 0 } key ? key : null;

    private static string? Digits(string value)
    {
        var text = value.Normalize(NormalizationForm.FormKC).Trim();
        return text.Length == 0 ? null : new string(text.Where(c => c is not (' ' or '-')).ToArray());
    }

    [GeneratedRegex(@"\s*(?:～|〜|~|から|－)\s*", RegexOptions.CultureInvariant)]
    private static partial Regex PeriodSeparator();
}
