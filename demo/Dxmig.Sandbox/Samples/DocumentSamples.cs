using System.Globalization;
using System.Text;
using Dxmig.Contracts.Text;

namespace Dxmig.Sandbox.Samples;

/// <summary>
/// Generates a CESS shared-documents export (文書共有) the way real ones look: a folder tree with Japanese names, names
/// SharePoint refuses (<c>a:b</c>, <c>?</c>, <c>|</c>, <c>"</c>, <c>&lt;&gt;</c>, leading and trailing spaces, CON, ~$),
/// a deep path over 400 characters, small files and large ones (over 4 MiB, so they go through upload sessions), and
/// the metadata CSV in CP932 (パス, 所有者職員番号, 表題, 作成日時, 更新日時; era and Gregorian dates, with times) plus
/// the identity map of the owners. With <see cref="DocumentSampleOptions.Planted"/> it also carries one bad case of
/// each kind: a row with bad bytes, a row without a path, an impossible date, an unknown owner, an unreadable file (a
/// dangling link), a file without a row, a row without a file, and two files whose names differ only in case.
/// Document <c>i</c> is the same in every export of one seed, so changes and removals between exports are a diff.
/// </summary>
public static class DocumentSamples
{
    public const string Header = "パス,所有者職員番号,表題,作成日時,更新日時";

    /// <summary>Planted cases that are quarantined (the case-only twin counts once; its first file loads).</summary>
    public const int PlantedQuarantined = 8;

    /// <summary>Planted files that load (the first of the case-only twins in ordinal order: REPORT.txt).</summary>
    public const int PlantedLoaded = 1;

    /// <summary>Over 4 MiB and not a multiple of 320 KiB, so the last fragment is short.</summary>
    public const int LargeFileBytes = (4 * 1024 * 1024) + 123_457;

    private static readonly string[] Folders = ["総務課/令和5年度", "人事課/研修資料", "情報政策課/システム更改", "道路課/工事記録/①号線"];

    /// <summary>Files whose names SharePoint refuses (relative paths), each loading under a renamed path.</summary>
    public static readonly IReadOnlyList<string> RefusedNames =
    [
        "総務課/議事録 a:b.txt", "総務課/何? what.txt", "総務課/予定|一覧.csv", "総務課/引用\"符\".txt", "総務課/x<y>z.txt",
        "総務課/ 前後に空白 .txt", "総務課/CON.txt", "総務課/~$下書き.docx", "総務課/desktop.ini",
    ];

    public static string EmployeeId(int owner) => $"D{owner + 1:00000}";

    public static string Upn(int owner) => $"d{owner + 1:00000}@pref.example.jp";

    /// <summary>The relative path of regular document <paramref name="index"/>.</summary>
    public static string RegularPath(int index) => $"{Folders[index % Folders.Length]}/資料_{index:0000}.txt";

    /// <summary>The relative path of large document <paramref name="index"/>.</summary>
    public static string LargePath(int index) => $"情報政策課/大容量/記録映像_{index:00}.bin";

    /// <summary>The deep document's path (over 400 characters).</summary>
    public static string DeepPath { get; } = string.Join('/', Enumerable.Range(1, 7).Select(i => $"第{i}階層の非常に長いフォルダー名" + new string('あ', 40))) + "/深い場所の文書.txt";

    /// <summary>Every document that should load, by relative path.</summary>
    public static IEnumerable<string> LoadablePaths(DocumentSampleOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Enumerable.Range(0, options.Count).Where(i => options.Removed?.Contains(i) != true).Select(RegularPath)
            .Concat(Enumerable.Range(0, options.LargeFiles).Select(LargePath))
            .Concat(options.WithOddNames ? [.. RefusedNames, DeepPath] : [])
            .Concat(options.Planted ? ["planted/REPORT.txt"] : []);
    }

    /// <summary>Writes the export (files and metadata CSV) and the identity map; returns how many documents should load.</summary>
    public static int Write(string folder, string metadataPath, string identityPath, DocumentSampleOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        JapaneseEncodings.EnsureRegistered();
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        Directory.CreateDirectory(folder);
        var encoding = JapaneseEncodings.StrictCp932();
        var rows = new List<byte[]>();
        void Row(string path, int owner, int i) =>
            rows.Add(encoding.GetBytes(string.Join(',', Quote(path), EmployeeId(owner), Quote($"文書 {i}"), Created(i), Modified(i, options)) + "\r\n"));

        var count = 0;
        foreach (var path in LoadablePaths(options).Where(p => !p.StartsWith("planted/", StringComparison.Ordinal)))
        {
            var i = Index(path);
            var size = path.StartsWith("情報政策課/大容量/", StringComparison.Ordinal) ? LargeFileBytes : 200 + (i * 37 % 3000);
            WriteFile(Path.Combine(folder, path), size, options.Seed, i, options.Changed?.Contains(i) == true);
            Row(path, i % options.Owners, i);
            count++;
        }

        if (options.Planted)
        {
            count += WritePlanted(folder, rows, encoding, options);
        }

        using (var stream = File.Create(metadataPath))
        {
            stream.Write(encoding.GetBytes(Header + "\r\n"));
            foreach (var row in rows)
            {
                stream.Write(row);
            }
        }

        var identity = new StringBuilder("source,target\n");
        for (var owner = 0; owner < options.Owners; owner++)
        {
            identity.Append(CultureInfo.InvariantCulture, $"{EmployeeId(owner)},{Upn(owner)}\n");
        }

        File.WriteAllText(identityPath, identity.ToString(), new UTF8Encoding(false));
        return count;
    }

    /// <summary>A regular document's number; for the others a number from the path's characters, the same on every run.</summary>
    private static int Index(string path) => path.Contains("/資料_", StringComparison.Ordinal)
        ? int.Parse(path[(path.LastIndexOf('_') + 1)..^4], CultureInfo.InvariantCulture)
        : 10_000 + (path.Sum(c => (int)c) % 90_000);

    private static string Quote(string value) => value.Contains(',', StringComparison.Ordinal) || value.Contains('"', StringComparison.Ordinal)
        ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\""
        : value;

    private static string Created(int i) => (i % 3) switch
    {
        0 => $"令和{2 + (i % 5)}年{1 + (i % 12)}月{1 + (i % 28)}日 9:{i % 60:00}",
        1 => $"{2018 + (i % 6)}/{1 + (i % 12):00}/{1 + (i % 28):00} 10:15:00",
        _ => $"{2019 + (i % 4)}-{1 + (i % 12):00}-{1 + (i % 28):00}T08:00:00+09:00",
    };

    private static string Modified(int i, DocumentSampleOptions options) =>
        options.Changed?.Contains(i) == true ? "2026/11/20 17:45:00" : $"2024/{1 + (i % 12):00}/{1 + (i % 28):00} 18:30";

    private static void WriteFile(string path, int size, int seed, int index, bool changed)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var bytes = new byte[size];
        new Random(SampleSeed.Of(seed, index, changed ? 1 : 0)).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
    }

    private static int WritePlanted(string folder, List<byte[]> rows, Encoding encoding, DocumentSampleOptions options)
    {
        var planted = Path.Combine(folder, "planted");
        Directory.CreateDirectory(planted);
        void Add(string name, string row)
        {
            File.WriteAllText(Path.Combine(planted, name), $"planted {name}\n");
            rows.Add(encoding.GetBytes(row + "\r\n"));
        }

        // Bad bytes in the title: CP932 lead byte 0x81 then 0x20. The path is readable, so the file is quarantined with the row's reason.
        File.WriteAllText(Path.Combine(planted, "文字化け.txt"), "x");
        rows.Add([.. encoding.GetBytes($"planted/文字化け.txt,{EmployeeId(0)},"), 0x81, 0x20, .. encoding.GetBytes(",2023/04/01,2023/04/02\r\n")]);
        rows.Add(encoding.GetBytes($",{EmployeeId(0)},パスなし,2023/04/01,2023/04/02\r\n"));
        Add("日付不正.txt", $"planted/日付不正.txt,{EmployeeId(0)},日付,2023/02/30 10:00,2023/03/01");
        Add("所有者不明.txt", "planted/所有者不明.txt,X999999,所有者,2023/04/01,2023/04/02");
        File.CreateSymbolicLink(Path.Combine(planted, "壊れたリンク.txt"), Path.Combine(planted, "no-such-target"));
        rows.Add(encoding.GetBytes($"planted/壊れたリンク.txt,{EmployeeId(0)},リンク,2023/04/01,2023/04/02\r\n"));
        File.WriteAllText(Path.Combine(planted, "メタデータなし.txt"), "no row");
        rows.Add(encoding.GetBytes($"planted/存在しない.txt,{EmployeeId(0)},ファイルなし,2023/04/01,2023/04/02\r\n"));
        Add("REPORT.txt", $"planted/REPORT.txt,{EmployeeId(0)},報告 (大文字),2023/04/01,2023/04/02");
        Add("Report.txt", $"planted/Report.txt,{EmployeeId(0)},報告,2023/04/01,2023/04/02");
        _ = options;
        return PlantedLoaded;
    }
}

/// <summary>What to generate: regular documents, owners, large files, odd names, planted bad cases, changes and removals.</summary>
public sealed record DocumentSampleOptions(int Count, int Owners = 3, int LargeFiles = 1, bool WithOddNames = true, bool Planted = false, int Seed = 2026)
{
    public IReadOnlySet<int>? Removed { get; init; }

    public IReadOnlySet<int>? Changed { get; init; }
}
