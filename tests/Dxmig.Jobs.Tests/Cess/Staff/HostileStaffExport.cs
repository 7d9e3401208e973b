using System.Text;
using Dxmig.Sandbox.Samples;
using Dxmig.Contracts.Text;

namespace Dxmig.Jobs.Tests.Cess.Staff;

/// <summary>
/// A CESS staff-directory export written to hurt: formula cells (<c>=cmd|' /C calc'!A0</c>, <c>+</c>, <c>-</c>,
/// <c>@</c>) as values and as employee ids, console markup in a field, a 1 MB field, an unbalanced quote, a NUL byte,
/// bytes that are not valid in the file's encoding, a BOM in the middle (two exports concatenated: the second one's BOM
/// and header row, then its rows), an empty row. Each line's expected end is known: loaded (the people in
/// <see cref="Loaded"/>) or not, and the test holds every other line to a quarantine or skip with a reason.
/// </summary>
internal sealed class HostileStaffExport
{
    /// <summary>A formula id that is in the identity map, so it loads and later shows up in the pending-deletions list.</summary>
    public const string FormulaId = "=cmd|' /C calc'!A0";

    /// <summary>SQL in a value and a quote in a key: stored as written, the tables untouched (SQL only through parameters).</summary>
    public const string SqlName = "Robert'); DROP TABLE staff;--";

    public const string QuotedId = "H'0012";

    private readonly List<(byte[] Bytes, string? LoadedId)> lines = [];
    private readonly Encoding encoding;

    public HostileStaffExport(bool cp932)
    {
        JapaneseEncodings.EnsureRegistered();
        Cp932 = cp932;
        encoding = cp932 ? JapaneseEncodings.StrictCp932() : new UTF8Encoding(false);
        Row("H000001", "県庁　太郎", loads: true);
        Row("H000002", "=cmd|' /C calc'!A0", loads: true);
        Row(FormulaId, "数式　番号", loads: true);
        Row("H000011", SqlName, loads: true);
        Row(QuotedId, "引用符　番号", loads: true);
        Row("H" + new string('0', 64), "長い　番号", loads: false); // 65 characters: over the store's key column
        Row("+81312345678", "番号　プラス", loads: false);
        Row("-1", "番号　マイナス", loads: false);
        Row("@SUM(1+1)", "番号　アット", loads: false);
        Line($"H000003,記号　花子,キゴウ　ハナコ,Kigo Hanako,101000,総務課,-,+81-3-5321-0000,@2000,h000003@pref.example.jp,@本庁舎,2023/04/01", "H000003");
        Line($"H000004,印　[bold]太郎[/,シルシ,Shirushi,[red]101000,総務課,主事,03-5321-0004,2004,h000004@pref.example.jp,本庁舎,2023/04/01", null);
        Line($"H000005,長い　勤務場所,ナガイ,Nagai,101000,総務課,主事,03-5321-0005,2005,h000005@pref.example.jp,{new string('長', 350_000)},2023/04/01", "H000005");
        Line("H000006,\"閉じない　引用符,ヒキヨウフ,Hikiyofu,101000,総務課,主事,03-5321-0006,2006,h000006@pref.example.jp,本庁舎,2023/04/01", null);
        Line("H000007,ヌル\0文字,ヌル,Nul,101000,総務課,主事,03-5321-0007,2007,h000007@pref.example.jp,本庁舎,2023/04/01", null);
        Bytes([.. encoding.GetBytes("H000008,"), .. (cp932 ? new byte[] { 0x85, 0x40 } : [0xC3, 0x28]), .. encoding.GetBytes(",ﾌﾒｲ,Fumei,101000,総務課,主事,03-5321-0008,2008,h000008@pref.example.jp,本庁舎,2023/04/01\r\n")], null);
        Line(",,,,,,,,,,,", null);
        // The second export, concatenated: its BOM, its header row, its rows.
        Bytes([0xEF, 0xBB, 0xBF, .. encoding.GetBytes(StaffSamples.Header + "\r\n")], null);
        // In UTF-8 the BOM is dropped and the person loads; in CP932 the BOM's bytes are not CP932 (bad-bytes).
        Bytes([0xEF, 0xBB, 0xBF, .. encoding.GetBytes("H000009,結合　次郎,ケツゴウ,Ketsugo,101000,総務課,主事,03-5321-0009,2009,h000009@pref.example.jp,本庁舎,2023/04/01\r\n")], cp932 ? null : "H000009");
        Row("H000010", "最後　三郎", loads: true);
    }

    public bool Cp932 { get; }

    /// <summary>Data lines (the header is line 1).</summary>
    public int DataLines => lines.Count;

    /// <summary>Employee ids expected in the store after the run.</summary>
    public IReadOnlyList<string> Loaded => [.. lines.Select(l => l.LoadedId).OfType<string>()];

    /// <summary>The employee ids the identity map knows (every H-number and the formula id).</summary>
    public static IEnumerable<string> Known => Enumerable.Range(1, 11).Select(i => $"H{i:000000}").Append(FormulaId).Append(QuotedId);

    public void Write(string exportPath, string identityPath)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(exportPath)!);
        using (var stream = File.Create(exportPath))
        {
            if (!Cp932)
            {
                stream.Write([0xEF, 0xBB, 0xBF]);
            }

            stream.Write(encoding.GetBytes(StaffSamples.Header + "\r\n"));
            foreach (var (bytes, _) in lines)
            {
                stream.Write(bytes);
            }
        }

        var identity = new StringBuilder("source,target\n");
        foreach (var (id, i) in Known.Select((id, i) => (id, i)))
        {
            identity.Append(id.Contains(',', StringComparison.Ordinal) ? $"\"{id}\"" : id).Append(",h").Append(i).Append("@pref.example.jp\n");
        }

        File.WriteAllText(identityPath, identity.ToString(), new UTF8Encoding(false));
    }

    private void Row(string id, string name, bool loads) =>
        Line($"{id},{name},ケンチョウ,Kencho,101000,総務課,主事,03-5321-1000,1000,,本庁舎,令和5年4月1日", loads ? id : null);

    private void Line(string text, string? loadedId) => Bytes(encoding.GetBytes(text + "\r\n"), loadedId);

    private void Bytes(byte[] bytes, string? loadedId) => lines.Add((bytes, loadedId));
}
