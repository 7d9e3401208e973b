using System.Globalization;
using System.Text;
using Dxmig.Contracts.Text;

namespace Dxmig.Sandbox.Samples;

/// <summary>
/// Generates the mobile-work exports as real ones look (CP932 or UTF-8 with BOM, CRLF, a quoted field with a line
/// break, ①㈱髙, full-width digits, era dates): the device inventory (端末台帳: about one device per five people, most
/// with a SIM) and two telework permission lists (モバイルワーク for people with a device, 在宅勤務 for everyone).
/// People are <see cref="StaffSamples.EmployeeId"/>'s, so a cess-staff sample of the same size is their staff
/// directory. With <see cref="MobileSampleOptions.Planted"/>: the conflicts an admin must see (a device lent to someone
/// not in the directory, one SIM in two devices, a lending period over while still lent, a permission for an unknown
/// person) and bad rows (bad bytes, a wrong column count, a bad ICCID, an unknown system).
/// </summary>
public static class MobileSamples
{
    public const string DeviceHeader = "資産番号,シリアル番号,機種,OS,SIM ICCID,電話番号,通信事業者,状態,貸出先職員番号,所属コード,貸出期間";
    public const string PermissionHeader = "職員番号,氏名,所属コード,利用システム,許可開始日,許可終了日";

    /// <summary>Device rows quarantined when planted: bad bytes, column count, bad ICCID.</summary>
    public const int PlantedBadDevices = 3;

    /// <summary>Permission rows quarantined when planted: unknown system.</summary>
    public const int PlantedBadPermissions = 1;

    /// <summary>The employee id no staff directory has (planted conflicts).</summary>
    public const string Unknown = "S999999";

    private static readonly string[] Models = ["Let's note ＦＶ３", "ThinkPad X1 Carbon", "dynabook G83", "Surface Laptop 5"];
    private static readonly string[] Carriers = ["NTTドコモ", "KDDI", "ソフトバンク"];
    private static readonly string[] Departments = ["101000", "102000", "103000", "201000", "202000", "301000", "302000", "401000"];

    public static string AssetNumber(int device) => $"PC-2024-{device + 1:0000}";

    public static string Serial(int device) => $"5CG{(device * 7919 + 1234) % 100000:00000}{(char)('A' + (device % 26))}";

    public static string Iccid(int device) => $"898110{device + 1:0000000000000}";

    /// <summary>Person lent device <paramref name="device"/> (null: in stock).</summary>
    public static int? Holder(int device) => device % 10 == 9 ? null : device * 5 % 2000;

    /// <summary>Writes devices.csv, telework-mobile.csv and telework-home.csv into <paramref name="folder"/>.</summary>
    public static void Write(string folder, MobileSampleOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        JapaneseEncodings.EnsureRegistered();
        Directory.CreateDirectory(folder);
        var encoding = options.Cp932 ? JapaneseEncodings.StrictCp932() : new UTF8Encoding(false);
        var holders = new HashSet<int>();
        using (var devices = new Export(Path.Combine(folder, "devices.csv"), encoding, options.Cp932, DeviceHeader))
        {
            for (var d = 0; d < options.Devices; d++)
            {
                var holder = options.Returned?.Contains(d) == true ? null : Holder(d) is { } h && h < options.People ? h : (int?)null;
                if (holder is { } held)
                {
                    holders.Add(held);
                }

                devices.Line(DeviceRow(d, holder, options.SwappedSim?.Contains(d) == true ? Iccid(d + 100_000) : d % 7 == 6 ? string.Empty : Iccid(d), "令和7年4月1日～令和9年3月31日"));
            }

            if (options.Planted)
            {
                var n = options.Devices;
                devices.Line(DeviceRow(n, null, Iccid(n), string.Empty).Replace("在庫", "貸出中", StringComparison.Ordinal).Replace(",,", $",{Unknown},", StringComparison.Ordinal));
                devices.Line(DeviceRow(n + 1, 0, Iccid(1), "2025/04/01～2027/03/31"));              // SIM of device 1 too
                devices.Line(DeviceRow(n + 2, 1, Iccid(n + 2), "令和5年4月1日～令和6年3月31日"));     // period over, still lent
                devices.Bytes(encoding.GetBytes($"{AssetNumber(n + 3)},X,"), options.Cp932 ? [0x81, 0x20] : [0xFF], encoding.GetBytes(",Windows 11,,,,在庫,,,\r\n"));
                devices.Line($"{AssetNumber(n + 4)},X,機種,Windows 11");
                devices.Line(DeviceRow(n + 5, 2, "8981-12", string.Empty));
            }
        }

        using (var mobile = new Export(Path.Combine(folder, "telework-mobile.csv"), encoding, options.Cp932, PermissionHeader))
        {
            foreach (var person in holders.Order().Where(p => options.Revoked?.Contains(p) != true))
            {
                mobile.Line(PermissionRow(person, "モバイルワーク"));
            }

            if (options.Planted)
            {
                mobile.Line($"{Unknown},退職　者,101000,モバイルワーク,令和7年4月1日,令和9年3月31日");
                mobile.Line(PermissionRow(3, "衛星回線"));
            }
        }

        using var home = new Export(Path.Combine(folder, "telework-home.csv"), encoding, options.Cp932, PermissionHeader);
        for (var person = 0; person < options.People; person++)
        {
            if (options.Revoked?.Contains(person) != true)
            {
                home.Line(PermissionRow(person, person % 2 == 0 ? "在宅勤務" : "在宅"));
            }
        }
    }

    private static string DeviceRow(int d, int? holder, string iccid, string period)
    {
        var model = d == 3 ? "\"Let's note\r\nＦＶ３ (㈱髙島屋 経由)\"" : Models[d % Models.Length];
        var phone = iccid.Length == 0 ? string.Empty : $"070-{(d / 10000) + 1000:0000}-{d % 10000:0000}";
        return string.Join(',',
            AssetNumber(d), Serial(d), model, d % 4 == 3 ? "Windows 11 Enterprise" : "Windows 11 Pro", iccid, phone,
            iccid.Length == 0 ? string.Empty : Carriers[d % Carriers.Length], holder is null ? "在庫" : "貸出中",
            holder is { } h ? StaffSamples.EmployeeId(h) : string.Empty, Departments[d % Departments.Length], holder is null ? string.Empty : period);
    }

    private static string PermissionRow(int person, string system) =>
        string.Join(',', StaffSamples.EmployeeId(person), $"職員　{person + 1}", Departments[person % Departments.Length], system,
            person % 3 == 0 ? "令和7年4月1日" : "２０２５/０４/０１", person % 5 == 0 ? string.Empty : "令和9年3月31日");

    /// <summary>One CSV file being written: header, CRLF lines, a BOM for UTF-8.</summary>
    private sealed class Export : IDisposable
    {
        private readonly Stream stream;
        private readonly Encoding encoding;

        public Export(string path, Encoding encoding, bool cp932, string header)
        {
            stream = new BufferedStream(File.Create(path), 1 << 16);
            this.encoding = encoding;
            if (!cp932)
            {
                stream.Write([0xEF, 0xBB, 0xBF]);
            }

            Line(header);
        }

        public void Line(string text) => stream.Write(encoding.GetBytes(text + "\r\n"));

        public void Bytes(params byte[][] parts)
        {
            foreach (var part in parts)
            {
                stream.Write(part);
            }
        }

        public void Dispose() => stream.Dispose();
    }
}

/// <summary>How many devices and people; which devices are returned, which have another SIM, whose permissions are revoked.</summary>
public sealed record MobileSampleOptions(int Devices, int People, bool Cp932 = true, bool Planted = false)
{
    public IReadOnlySet<int>? Returned { get; init; }

    public IReadOnlySet<int>? SwappedSim { get; init; }

    public IReadOnlySet<int>? Revoked { get; init; }

    /// <summary>The sample the demo and the benchmark use: about 430 devices and 2,000 people.</summary>
    public static MobileSampleOptions Full { get; } = new(430, 2000, Planted: true);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Devices} devices, {People} people");
}
