using System.Globalization;
using System.Text;
using Dxmig.Contracts.Text;

namespace Dxmig.Sandbox.Samples;

/// <summary>
/// Generates Active! Mail address-book exports the way real ones look: CP932 and UTF-8 with BOM, CRLF, quoted memos
/// with newlines, half-width kana, full-width phone numbers, NEC/IBM extension characters (①, ㈱, 髙, 﨑) and a 外字
/// (U+E000, CP932 0xF040). The first account's file also carries one row of each kind of bad input.
/// Deterministic for a given seed.
/// </summary>
public static class AddressBookSamples
{
    public const string Header = "名前,ふりがな,メールアドレス,組織名,部署,役職,電話1,電話2,電話3,FAX,郵便番号,都道府県,市区町村,番地,URL,メモ";

    /// <summary>What the planted rows of the first account turn into.</summary>
    public const int PlantedQuarantined = 4;

    public const int PlantedSkipped = 1;

    /// <summary>The first of the two identical planted rows loads.</summary>
    public const int PlantedLoaded = 1;

    private static readonly string[] Families = ["髙橋", "佐藤", "鈴木", "田中", "渡辺", "伊藤", "山本", "中村", "小林", "加藤", "吉田", "山田", "﨑山", "斎藤", "松本"];
    private static readonly string[] FamilyKana = ["タカハシ", "サトウ", "スズキ", "タナカ", "ワタナベ", "イトウ", "ヤマモト", "ナカムラ", "コバヤシ", "カトウ", "ヨシダ", "ヤマダ", "サキヤマ", "サイトウ", "マツモト"];
    private static readonly string[] Givens = ["太郎", "花子", "一郎", "美咲", "健太", "陽子", "翔", "結衣", "大輔", "真由美"];
    private static readonly string[] GivenKana = ["タロウ", "ハナコ", "イチロウ", "ミサキ", "ケンタ", "ヨウコ", "ショウ", "ユイ", "ダイスケ", "マユミ"];
    private static readonly string[] Romaji = ["taro", "hanako", "ichiro", "misaki", "kenta", "yoko", "sho", "yui", "daisuke", "mayumi"];
    private static readonly string[] Organizations = ["㈱みらい商事", "○○県庁", "有限会社 ①企画", "株式会社テクノ髙木", "〇〇市役所", "社会福祉法人 さくら会"];
    private static readonly string[] Departments = ["総務部", "情報政策課", "第①営業部", "企画調整課", "会計課", string.Empty];
    private static readonly string[] Titles = ["課長", "主査", "係長", "部長", string.Empty, "主任"];
    private static readonly string[] Prefectures = ["東京都", "神奈川県", "大阪府", "福岡県", "北海道"];

    /// <summary>Writes one export per account into <paramref name="folder"/>; returns the files and how many rows should load.</summary>
    public static SampleSet Write(string folder, IReadOnlyList<string> accounts, int seed = 2026, int minRows = 40, int maxRows = 120)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        JapaneseEncodings.EnsureRegistered();
        Directory.CreateDirectory(folder);
        var files = new List<string>();
        var expected = 0;
        var random = new Random(seed);
        for (var a = 0; a < accounts.Count; a++)
        {
            var cp932 = a % 2 == 0;
            var path = Path.Combine(folder, accounts[a] + ".csv");
            using var stream = File.Create(path);
            if (!cp932)
            {
                stream.Write([0xEF, 0xBB, 0xBF]);
            }

            var encoding = cp932 ? JapaneseEncodings.StrictCp932() : new UTF8Encoding(false);
            void Line(string text)
            {
                var bytes = encoding.GetBytes(text + "\r\n");
                stream.Write(bytes);
            }

            Line(Header);
            var rows = random.Next(minRows, maxRows + 1);
            var keys = new HashSet<string>(StringComparer.Ordinal);
            for (var r = 0; r < rows; r++)
            {
                string row;
                do
                {
                    row = Row(random, r, a);
                }
                while (!keys.Add(string.Join(',', row.Split(',').Take(3).Where((_, i) => i != 1))));

                Line(row);
                expected++;
            }

            if (a == 0)
            {
                WritePlanted(stream, encoding);
                expected += PlantedLoaded;
            }

            files.Add(path);
        }

        return new SampleSet(files, expected);
    }

    /// <summary>A row with ①, ㈱, 髙, a 外字 and a memo over two lines, for tests that check what survives.</summary>
    public static string SpecialRow =>
        Csv("\uE000橋　一郎", "ﾀｶﾊｼ ｲﾁﾛｳ", "ichiro.takahashi@example.jp", "㈱みらい商事", "第①営業部", "課長",
            "０３（１２３４）５６７８", "090-1111-2222", "内線 1234", "03-1234-5679", "〒100-0001", "東京都", "千代田区",
            "千代田1-1", "https://example.jp/", "髙と①と㈱～を含むメモ\r\n二行目 \"引用\" あり");

    private static string Row(Random random, int index, int account)
    {
        if (index == 0)
        {
            return SpecialRow;
        }

        var f = random.Next(Families.Length);
        var g = random.Next(Givens.Length);
        var halfWidthKana = random.Next(3) == 0;
        var kana = $"{FamilyKana[f]} {GivenKana[g]}";
        if (halfWidthKana)
        {
            kana = ToHalfWidth(kana);
        }
        else if (random.Next(2) == 0)
        {
            kana = ToHiragana(kana);
        }

        var fullWidthPhone = random.Next(4) == 0;
        var phone = $"0{random.Next(3, 10)}-{random.Next(1000, 9999)}-{random.Next(1000, 9999)}";
        if (fullWidthPhone)
        {
            phone = ToFullWidthDigits(phone);
        }

        var email = random.Next(10) == 0 ? string.Empty : $"{Romaji[g]}.{index}.{account}@example{random.Next(1, 5)}.jp";
        var memo = random.Next(8) == 0 ? "打合せメモ:\r\n「次回は①②③の順で」" : string.Empty;
        return Csv(
            $"{Families[f]}　{Givens[g]}", kana, email, Organizations[random.Next(Organizations.Length)],
            Departments[random.Next(Departments.Length)], Titles[random.Next(Titles.Length)], phone,
            random.Next(3) == 0 ? $"090-{random.Next(1000, 9999)}-{random.Next(1000, 9999)}" : string.Empty, string.Empty,
            random.Next(5) == 0 ? $"03-{random.Next(1000, 9999)}-{random.Next(1000, 9999)}" : string.Empty,
            $"〒{random.Next(100, 999)}-{random.Next(1000, 9999)}", Prefectures[random.Next(Prefectures.Length)], "中央区",
            $"{random.Next(1, 9)}-{random.Next(1, 30)}-{random.Next(1, 20)}", string.Empty, memo);
    }

    private static void WritePlanted(Stream stream, Encoding encoding)
    {
        void Line(string text) => stream.Write(encoding.GetBytes(text + "\r\n"));

        // Bad bytes: a CP932 lead byte followed by an invalid trail byte.
        stream.Write(encoding.GetBytes("不正\u3000バイト,ふせい,"));
        stream.Write([0x81, 0x7F, 0x41]);
        stream.Write(encoding.GetBytes("@example.jp,,,,,,,,,,,,,\r\n"));

        // Too few columns.
        Line("列不足　次郎,れつぶそく じろう,jiro@example.jp,組織");

        // Neither name nor mail address.
        Line(",,,㈱名無し,,,03-0000-0000,,,,,,,,,");

        // The same row twice, word for word: the second is skipped.
        var duplicate = Csv("重複　花子", "ちょうふく はなこ", "hanako.dup@example.jp", "○○県庁", "会計課", "主査", "03-5555-6666", "", "", "", "〒100-0002", "東京都", "千代田区", "1-2-3", "", "");
        Line(duplicate);
        Line(duplicate);

        // A mail address that is not one.
        Line(Csv("誤記　三郎", "ごき さぶろう", "saburo@@example..jp", "", "", "", "", "", "", "", "", "", "", "", "", ""));
    }

    private static string Csv(params string[] fields) => string.Join(',', fields.Select(Quote));

    private static string Quote(string field) =>
        field.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? $"\"{field.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : field;

    private static string ToHiragana(string katakana) =>
        new([.. katakana.Select(c => c is >= '\u30A1' and <= '\u30F6' ? (char)(c - 0x60) : c)]);

    private static string ToFullWidthDigits(string value) =>
        new([.. value.Select(c => c is >= '0' and <= '9' ? (char)(c - '0' + '０') : c == '-' ? '－' : c)]);

    private static string ToHalfWidth(string katakana)
    {
        var builder = new StringBuilder();
        foreach (var c in katakana)
        {
            builder.Append(HalfWidth.TryGetValue(c, out var narrow) ? narrow : c.ToString(CultureInfo.InvariantCulture));
        }

        return builder.ToString();
    }

    private static readonly Dictionary<char, string> HalfWidth = BuildHalfWidth();

    private static Dictionary<char, string> BuildHalfWidth()
    {
        const string full = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲンガギグゲゴザジズゼゾダヂヅデドバビブベボパピプペポャュョッー";
        const string half = "ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜｦﾝ";
        var map = new Dictionary<char, string>();
        for (var i = 0; i < half.Length; i++)
        {
            map[full[i]] = half[i].ToString();
        }

        const string voiced = "ガギグゲゴザジズゼゾダヂヅデド";
        const string voicedBase = "ｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄ";
        for (var i = 0; i < voiced.Length; i++)
        {
            map[voiced[i]] = voicedBase[i] + "ﾞ";
        }

        const string bp = "バビブベボパピプペポ";
        const string bpBase = "ﾊﾋﾌﾍﾎﾊﾋﾌﾍﾎ";
        for (var i = 0; i < bp.Length; i++)
        {
            map[bp[i]] = bpBase[i] + (i < 5 ? "ﾞ" : "ﾟ");
        }

        map['ャ'] = "ｬ";
        map['ュ'] = "ｭ";
        map['ョ'] = "ｮ";
        map['ッ'] = "ｯ";
        map['ー'] = "ｰ";
        return map;
    }
}

/// <summary>The exports written and how many of their rows should load.</summary>
public sealed record SampleSet(IReadOnlyList<string> Files, int ExpectedLoaded);
