using System.Net.Mail;

namespace Dxmig.Contracts.Mappings;

/// <summary>One facility (施設): its CESS code, its name, and the room (or equipment) mailbox its reservations go to.</summary>
public sealed record Facility(string Code, string Name, string RoomAddress);

/// <summary>
/// The facility table (mappings/cess-facilities.csv: <c>code,name,room-address</c>). Codes are compared after NFKC
/// (full-width digits folded) and trimming; a code listed twice or a room address that is not a mail address is an error.
/// </summary>
public sealed class FacilityMap
{
    private readonly Dictionary<string, Facility> map;

    private FacilityMap(Dictionary<string, Facility> map) => this.map = map;

    public IReadOnlyCollection<Facility> All => map.Values;

    public static FacilityMap FromFacilities(IEnumerable<Facility> facilities) =>
        new(facilities.ToDictionary(f => Normalize(f.Code), StringComparer.Ordinal));

    public Facility? Find(string code) => map.GetValueOrDefault(Normalize(code));

    public static string Normalize(string code) => Text.SourceText.Narrow(code);

    /// <summary>Reads the table; every problem goes to <paramref name="diagnostics"/> with file:line.</summary>
    public static FacilityMap? Load(string path, DiagnosticBag diagnostics)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        var before = diagnostics.Items.Count;
        var map = new Dictionary<string, Facility>(StringComparer.Ordinal);
        var header = true;
        if (SimpleCsv.Read(path, diagnostics) is not { } rows)
        {
            return null;
        }

        foreach (var (line, fields) in rows)
        {
            var at = SimpleCsv.At(path, line);
            if (header)
            {
                header = false;
                if (fields.Length < 3 || fields[0] != "code" || fields[1] != "name" || fields[2] != "room-address")
                {
                    diagnostics.Error(at, "見出しは 'code,name,room-address' にしてください", "the header must be 'code,name,room-address'");
                    return null;
                }

                continue;
            }

            var code = fields.Length > 0 ? Normalize(fields[0]) : string.Empty;
            if (fields.Length != 3 || code.Length == 0 || fields[1].Trim().Length == 0)
            {
                diagnostics.Error(at, "施設コード・施設名・会議室アドレスの 3 列が必要です", "three columns are needed: code, name, room address");
                continue;
            }

            var address = fields[2].Trim();
            if (!MailAddress.TryCreate(address, out var parsed) || parsed.Address != address)
            {
                diagnostics.Error(at, $"会議室アドレス '{address}' がメールアドレスの形式ではありません", $"room address '{address}' is not a mail address");
                continue;
            }

            if (!map.TryAdd(code, new Facility(code, fields[1].Trim(), address)))
            {
                diagnostics.Error(at, $"施設コード {code} が二度書かれています", $"facility code {code} is listed twice");
            }
        }

        return diagnostics.Items.Count > before ? null : new FacilityMap(map);
    }
}
