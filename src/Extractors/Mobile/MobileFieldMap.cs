using Dxmig.Contracts;
using Dxmig.Extractors.AddressBook;
using Dxmig.Extractors.Csv;

namespace Dxmig.Extractors.Mobile;

/// <summary>
/// Which export column feeds which field, for the device inventory (mappings/mobile-device-fields.yaml, key
/// <c>asset-number</c>) and the telework permission lists (mappings/telework-permission-fields.yaml, key
/// <c>employee-id</c>). The key field must be mapped with <c>required: true</c>.
/// </summary>
public sealed class MobileFieldMap
{
    private MobileFieldMap(string keyField, IReadOnlyDictionary<string, FieldRule> fields)
    {
        KeyField = keyField;
        Fields = fields;
    }

    public static readonly IReadOnlyList<string> DeviceFields =
    [
        "asset-number", "serial-number", "model", "os", "sim-iccid", "phone-number", "carrier", "state", "lent-to", "department-code", "lending-period",
    ];

    public static readonly IReadOnlyList<string> PermissionFields = ["employee-id", "name", "department-code", "system", "valid-from", "valid-until"];

    public string KeyField { get; }

    public IReadOnlyDictionary<string, FieldRule> Fields { get; }

    /// <summary>The device map the generated samples need (the same as the shipped mapping file).</summary>
    public static MobileFieldMap DefaultDevices { get; } = new("asset-number", new Dictionary<string, FieldRule>
    {
        ["asset-number"] = new(["資産番号", "管理番号"], true),
        ["serial-number"] = new(["シリアル番号", "製造番号"], true),
        ["model"] = new(["機種", "機種名"], false),
        ["os"] = new(["OS"], false),
        ["sim-iccid"] = new(["SIM ICCID", "ICCID"], false),
        ["phone-number"] = new(["電話番号", "SIM電話番号"], false),
        ["carrier"] = new(["通信事業者", "キャリア"], false),
        ["state"] = new(["状態", "貸出状態"], true),
        ["lent-to"] = new(["貸出先職員番号", "貸出先"], false),
        ["department-code"] = new(["所属コード"], false),
        ["lending-period"] = new(["貸出期間"], false),
    });

    /// <summary>The permission map the generated samples need (the same as the shipped mapping file).</summary>
    public static MobileFieldMap DefaultPermissions { get; } = new("employee-id", new Dictionary<string, FieldRule>
    {
        ["employee-id"] = new(["職員番号"], true),
        ["name"] = new(["氏名"], false),
        ["department-code"] = new(["所属コード"], false),
        ["system"] = new(["利用システム", "システム"], true),
        ["valid-from"] = new(["許可開始日", "開始日"], false),
        ["valid-until"] = new(["許可終了日", "終了日"], false),
    });

    /// <summary>Reads a field map; every problem goes to <paramref name="diagnostics"/> with file:line.</summary>
    public static MobileFieldMap? Load(string path, IReadOnlyList<string> fieldNames, DiagnosticBag diagnostics)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        ArgumentNullException.ThrowIfNull(fieldNames);
        if (CsvFieldMapFile.Load(path, fieldNames, diagnostics) is not var (fields, _, display))
        {
            return null;
        }

        var key = fieldNames[0];
        if (!fields.TryGetValue(key, out var rule) || !rule.Required)
        {
            diagnostics.Error(new SourcePosition(display, 1, 1),
                $"'{key}' を required: true で対応付けてください (行の識別に使います)", $"'{key}' must be mapped with required: true (it identifies a row)");
            return null;
        }

        return new MobileFieldMap(key, fields);
    }
}
