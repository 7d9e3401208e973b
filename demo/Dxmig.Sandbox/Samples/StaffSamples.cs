using System.Globalization;
using System.Text;
using Dxmig.Contracts.Text;

namespace Dxmig.Sandbox.Samples;

/// <summary>
/// Generates CESS staff-directory exports (電子職員録) the way real ones look: CP932 or UTF-8 with BOM, CRLF, NEC/IBM
/// extension characters (①, ㈱, 髙, 﨑), a 外字 (U+E000, CP932 0xF040), half-width kana, full-width digits, era and
/// Gregorian dates; and the identity map (employee id → UPN) beside it. With <see cref="StaffSampleOptions.Planted"/>
/// the file also carries one bad row of each kind: bad bytes, a missing employee id, a duplicate id with other content,
/// a row repeated exactly, a person missing from the identity map, and an unknown department code.
/// Person <c>i</c> is the same in every file of one seed, so removing or changing people between files is a diff.
/// </summary>
public static class StaffSamples
{
    public const string Header = "職員番号,氏名,氏名カナ,氏名ローマ字,所属コード,所属名,役職,電話,内線,メール,勤務場所,着任日";

    /// <summary>Planted rows that are quarantined: bad bytes, missing id, duplicate id, not in the identity map, unknown department.</summary>
    public const int PlantedQuarantined = 5;

    /// <summary>The row repeated word for word.</summary>
    public const int PlantedSkipped = 1;

    private static readonly string[] Families = ["髙橋", "佐藤", "鈴木", "田中", "渡辺", "伊藤", "山本", "中村", "小林", "﨑山", "吉田", "山田"];
    private static readonly string[] FamilyKana = ["タカハシ", "サトウ", "スズキ", "タナカ", "ワタナベ", "イトウ", "ヤマモト", "ナカムラ", "コバヤシ", "サキヤマ", "ヨシダ", "ヤマダ"];
    private static readonly string[] FamilyRomaji = ["Takahashi", "Sato", "Suzuki", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura", "Kobayashi", "Sakiyama", "Yoshida", "Yamada"];
    private static readonly string[] Givens = ["太郎", "花子", "一郎", "美咲", "健太", "陽子", "翔", "結衣", "大輔", "真由美"];
    private static readonly string[] GivenKana = ["タロウ", "ハナコ", "イチロウ", "ミサキ", "ケンタ", "ヨウコ", "ショウ", "ユイ", "ダイスケ", "マユミ"];
    private static readonly string[] GivenRomaji = ["Taro", "Hanako", "Ichiro", "Misaki", "Kenta", "Yoko", "Sho", "Yui", "Daisuke", "Mayumi"];
    private static readonly (string Code, string Name)[] Departments =
    [
        ("101000", "総務課"), ("102000", "人事課"), ("103000", "情報政策課"), ("201000", "健康福祉政策課"), ("202000", "障害福祉課"),
        ("301000", "道路課"), ("302000", "河川課"), ("401000", "教育総務課"),
    ];

    private static readonly string[] Titles = ["課長", "課長補佐", "主査", "主任", "主事", "技師", string.Empty];
    private static readonly string[] Offices = ["本庁舎 ①号館 3F", "本庁舎 ②号館 5F", "㈱県庁サービス棟", "西庁舎 2F"];

    /// <summary>The employee id of person <paramref name="index"/>.</summary>
    public static string EmployeeId(int index) => $"S{index + 1:000000}";

    /// <summary>The UPN person <paramref name="index"/> maps to.</summary>
    public static string Upn(int index) => $"s{index + 1:000000}@pref.example.jp";

    /// <summary>Writes the export and the identity map; returns how many people should load.</summary>
    public static int Write(string exportPath, string identityPath, StaffSampleOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        JapaneseEncodings.EnsureRegistered();
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(exportPath))!);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(identityPath))!);
        var encoding = options.Cp932 ? JapaneseEncodings.StrictCp932() : new UTF8Encoding(false);
        var expected = 0;
        var identity = new StringBuilder("source,target\n");
        using (var stream = new BufferedStream(File.Create(exportPath), 1 << 16))
        {
            if (!options.Cp932)
            {
                stream.Write([0xEF, 0xBB, 0xBF]);
            }

            void Line(string text) => stream.Write(encoding.GetBytes(text + "\r\n"));
            Line(Header);
            for (var i = 0; i < options.Count; i++)
            {
                identity.Append(CultureInfo.InvariantCulture, $"{EmployeeId(i)},{Upn(i)}\n");
                if (options.Removed?.Contains(i) == true)
                {
                    continue;
                }

                Line(Row(i, options.Seed, options.Changed?.Contains(i) == true));
                expected++;
            }

            if (options.Planted && options.Count > 2)
            {
                identity.Append("P900003,p900003@pref.example.jp\n");
                WritePlanted(stream, encoding, options, Line);
            }
        }

        File.WriteAllText(identityPath, identity.ToString(), new UTF8Encoding(false));
        return expected;
    }

    /// <summary>One person's row; <paramref name="changed"/> gives them another title and extension (a promotion).</summary>
    public static string Row(int index, int seed, bool changed)
    {
        var random = new Random(SampleSeed.Of(seed, index));
        var f = random.Next(Families.Length);
        var g = random.Next(Givens.Length);
        var name = index == 2 ? "\uE000橋　一郎" : $"{Families[f]}　{Givens[g]}";
        var kana = index % 5 == 1 ? Narrow($"{FamilyKana[f]} {GivenKana[g]}") : $"{FamilyKana[f]}　{GivenKana[g]}";
        var department = Departments[random.Next(Departments.Length)];
        var title = changed ? "参事" : Titles[random.Next(Titles.Length)];
        var phone = index % 4 == 0 ? "０３－５３２１－１１１１" : $"03-5321-{1000 + (index % 9000):0000}";
        var extension = changed ? "９９９９" : $"{2000 + (index % 7000)}";
        var date = index % 2 == 0
            ? $"令和{2 + (index % 5)}年4月1日"
            : $"{2015 + (index % 9)}/04/01";
        var office = Offices[random.Next(Offices.Length)];
        return string.Join(',',
            EmployeeId(index), name, kana, $"{FamilyRomaji[f]} {GivenRomaji[g]}", department.Code, department.Name, title, phone,
            extension, Upn(index), $"\"{office}\"", date);
    }

    private static void WritePlanted(Stream stream, Encoding encoding, StaffSampleOptions options, Action<string> line)
    {
        // Bad bytes: CP932 lead byte 0x81 followed by 0x20 (UTF-8: a lone 0xFF) in the name of a new person.
        line("P900001,");
        stream.Seek(-2, SeekOrigin.Current);
        stream.Write(options.Cp932 ? [0x81, 0x20] : [0xFF]);
        line(",ﾌﾒｲ,Fumei,101000,総務課,主事,03-5321-0000,2000,p900001@pref.example.jp,本庁舎,令和5年4月1日");

        line(",名無し　権兵衛,ナナシ　ゴンベエ,Nanashi Gonbe,101000,総務課,主事,03-5321-0001,2001,nanashi@pref.example.jp,本庁舎,2023/04/01");
        var first = Row(0, options.Seed, options.Changed?.Contains(0) == true).Split(',');
        first[6] = "部長";
        line(string.Join(',', first));
        line(Row(1, options.Seed, options.Changed?.Contains(1) == true));
        line("P900002,未登録　次郎,ミトウロク　ジロウ,Mitoroku Jiro,101000,総務課,主事,03-5321-0002,2002,p900002@pref.example.jp,本庁舎,2023/04/01");
        line("P900003,所属　不明,ショゾク　フメイ,Shozoku Fumei,999999,廃止課,主事,03-5321-0003,2003,x@pref.example.jp,本庁舎,2023/04/01");
    }

    private static string Narrow(string katakana) => katakana
        .Replace("タ", "ﾀ", StringComparison.Ordinal).Replace("カ", "ｶ", StringComparison.Ordinal).Replace("ハ", "ﾊ", StringComparison.Ordinal)
        .Replace("シ", "ｼ", StringComparison.Ordinal).Replace("ロ", "ﾛ", StringComparison.Ordinal).Replace("ウ", "ｳ", StringComparison.Ordinal)
        .Replace("サ", "ｻ", StringComparison.Ordinal).Replace("ト", "ﾄ", StringComparison.Ordinal).Replace("ナ", "ﾅ", StringComparison.Ordinal);
}

/// <summary>What to generate: how many people, the encoding, the seed, bad rows, and who is gone or changed.</summary>
public sealed record StaffSampleOptions(int Count, bool Cp932 = true, int Seed = 2026, bool Planted = false)
{
    public IReadOnlySet<int>? Removed { get; init; }

    public IReadOnlySet<int>? Changed { get; init; }
}
