
namespace Dxmig.Contracts.Mappings;

/// <summary>One department: its code, its name, and the code of the department above it (null at the top).</summary>
public sealed record Department(string Code, string Name, string? Parent);

/// <summary>
/// The department code table (mappings/cess-departments.csv: <c>code,name,parent</c>). A parent must itself be in the
/// table; a code listed twice is an error.
/// </summary>
public sealed class DepartmentMap
{
    private readonly Dictionary<string, Department> map;

    private DepartmentMap(Dictionary<string, Department> map) => this.map = map;

    public IReadOnlyCollection<Department> All => map.Values;

    public static DepartmentMap FromDepartments(IEnumerable<Department> departments) =>
        new(departments.ToDictionary(d => d.Code, StringComparer.Ordinal));

    public Department? Find(string code) => map.GetValueOrDefault(code.Trim());

    /// <summary>Reads the table; every problem goes to <paramref name="diagnostics"/> with file:line.</summary>
    public static DepartmentMap? Load(string path, DiagnosticBag diagnostics)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        var before = diagnostics.Items.Count;
        var map = new Dictionary<string, Department>(StringComparer.Ordinal);
        var parents = new List<(int Line, string Parent)>();
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
                if (fields.Length < 3 || fields[0] != "code" || fields[1] != "name" || fields[2] != "parent")
                {
                    diagnostics.Error(at, "見出しは 'code,name,parent' にしてください", "the header must be 'code,name,parent'");
                    return null;
                }

                continue;
            }

            if (fields.Length != 3 || fields[0].Trim().Length == 0 || fields[1].Trim().Length == 0)
            {
                diagnostics.Error(at, "所属コード・名称・上位所属コードの 3 列が必要です", "three columns are needed: code, name, parent code");
                continue;
            }

            var parent = fields[2].Trim();
            if (!map.TryAdd(fields[0].Trim(), new Department(fields[0].Trim(), fields[1].Trim(), parent.Length == 0 ? null : parent)))
            {
                diagnostics.Error(at, $"所属コード {fields[0]} が二度書かれています", $"department code {fields[0]} is listed twice");
            }

            if (parent.Length > 0)
            {
                parents.Add((line, parent));
            }
        }

        foreach (var (line, parent) in parents.Where(p => !map.ContainsKey(p.Parent)))
        {
            diagnostics.Error(SimpleCsv.At(path, line), $"上位所属コード {parent} が表にありません", $"parent department {parent} is not in the table");
        }

        return diagnostics.Items.Count > before ? null : new DepartmentMap(map);
    }
}
