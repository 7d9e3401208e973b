using System.Net.Mail;

namespace Dxmig.Contracts.Mappings;

/// <summary>
/// Source account → target address (UPN), from a CSV with the header <c>source,target</c>. An account missing from it
/// fails that account with a clear message, not the run.
/// </summary>
public sealed class IdentityMap
{
    private readonly Dictionary<string, string> map;

    private IdentityMap(Dictionary<string, string> map) => this.map = map;

    public int Count => map.Count;

    public IEnumerable<string> SourceAccounts => map.Keys;

    public static IdentityMap FromPairs(IEnumerable<KeyValuePair<string, string>> pairs) =>
        new(pairs.ToDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase));

    /// <summary>Reads the map; every bad row is reported with its line. Null when the file has errors.</summary>
    /// <param name="path">The CSV file.</param>
    /// <param name="diagnostics">Where problems go.</param>
    /// <param name="requireAddress">Targets must be mail addresses (Graph UPNs); an IMAP target may use any login name.</param>
    public static IdentityMap? Load(string path, DiagnosticBag diagnostics, bool requireAddress = true)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var lines = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var before = diagnostics.Items.Count;
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
                if (fields.Length < 2 || !fields[0].Equals("source", StringComparison.OrdinalIgnoreCase) || !fields[1].Equals("target", StringComparison.OrdinalIgnoreCase))
                {
                    diagnostics.Error(at, "見出しは 'source,target' にしてください", "the header must be 'source,target'");
                    return null;
                }

                continue;
            }

            if (fields.Length != 2 || fields[0].Length == 0 || fields[1].Length == 0)
            {
                diagnostics.Error(at, "移行元アカウントと移行先アドレスの 2 列が必要です", "two columns are needed: source account and target address");
                continue;
            }

            if (requireAddress ? !MailAddress.TryCreate(fields[1], out _) : fields[1].Any(char.IsWhiteSpace))
            {
                diagnostics.Error(at, $"移行先 '{fields[1]}' はメールアドレスの形式ではありません", $"target '{fields[1]}' is not a mail address");
                continue;
            }

            if (lines.TryGetValue(fields[0], out var first))
            {
                diagnostics.Error(at, $"アカウント '{fields[0]}' は {first} 行目にもあります", $"account '{fields[0]}' is also on line {first}");
                continue;
            }

            lines[fields[0]] = line;
            map[fields[0]] = fields[1];
        }

        if (header)
        {
            diagnostics.Error(SimpleCsv.At(path, 1), "ID マップが空です (見出し 'source,target' が必要)", "the identity map is empty (needs the header 'source,target')");
        }

        return diagnostics.Items.Count > before ? null : new IdentityMap(map);
    }

    /// <summary>The target address of an account.</summary>
    /// <exception cref="AccountFailedException">The account is not in the map.</exception>
    public string TargetOf(string account) =>
        map.TryGetValue(account, out var target)
            ? target
            : throw new AccountFailedException(
                $"アカウント {account} が ID マップにありません。移行先を ID マップに追加してください",
                $"account {account} is not in the identity map; add its target there");

    public bool Contains(string account) => map.ContainsKey(account);
}
