using System.Text.RegularExpressions;
using Dxmig.Platform.Pipeline;
using Dxmig.TestSupport;

namespace Dxmig.Cli.Tests;

/// <summary>
/// Every shipped example, copied as a newcomer would into an install laid out as the README's systemd section does it
/// (<c>/opt/dxmig/jobs</c> beside <c>/opt/dxmig/mappings</c>, no mapping file next to the job), validates with exactly the
/// variables <c>jobs/examples/dxmig.env.example</c> lists as required for it, and names any one of them left unset.
/// </summary>
public sealed partial class ExampleJobsTests : IDisposable
{
    private static readonly string Examples = Path.Combine(RepoPaths.Root, "jobs", "examples");
    private static readonly string EnvExample = Path.Combine(Examples, "dxmig.env.example");

    private readonly CliHarness cli = new();

    public ExampleJobsTests()
    {
        Install = Path.Combine(cli.Folder, "opt", "dxmig");
        Directory.CreateDirectory(Path.Combine(Install, "jobs"));
        Directory.CreateDirectory(Path.Combine(Install, "mappings"));
        foreach (var file in Directory.EnumerateFiles(Examples))
        {
            File.Copy(file, Path.Combine(Install, "jobs", Path.GetFileName(file)));
        }

        foreach (var file in Directory.EnumerateFiles(RepoPaths.Mappings))
        {
            File.Copy(file, Path.Combine(Install, "mappings", Path.GetFileName(file)));
        }
    }

    private string Install { get; }

    public static TheoryData<string> ExampleJobs() => [.. ExampleNames()];

    private static List<string> ExampleNames() =>
        [.. Directory.EnumerateFiles(Examples, "*.yaml").Select(f => Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal)];

    public void Dispose() => cli.Dispose();

    [Theory]
    [MemberData(nameof(ExampleJobs))]
    public async Task Validate_ExampleCopiedIntoAnInstall_IsValidWithItsRequiredVariablesAndNamesAnyLeftUnset(string example)
    {
        var required = RequiredVariables()[example];
        var job = Path.Combine(Install, "jobs", example + ".yaml");
        foreach (var name in required)
        {
            cli.Environment[name] = DummyValue(name);
        }

        var (code, output, error) = await cli.RunAsync("validate", job);

        code.Should().Be(ExitCodes.Success, $"{example} with {string.Join(", ", required)} set:\n{output}{error}");
        output.Should().Contain("問題なし / OK");
        error.Should().NotContain("mappings/", "every mapping file is found through the search path");

        foreach (var name in required)
        {
            var value = cli.Environment[name];
            cli.Environment.Remove(name);
            var (unsetCode, _, unsetError) = await cli.RunAsync("validate", job);
            cli.Environment[name] = value;

            unsetCode.Should().Be(ExitCodes.Failed, $"{example} needs {name}");
            unsetError.Should().Contain(name).And.Contain("エラー:");
        }
    }

    [Fact]
    public void EnvExample_ListsEveryVariableTheExamplesRead_AndNoSecretValue()
    {
        var listed = Listed();
        foreach (var file in Directory.EnumerateFiles(Examples, "*.yaml"))
        {
            var text = string.Join('\n', File.ReadAllLines(file).Select(l => l.TrimStart()).Where(l => !l.StartsWith('#')));
            foreach (Match match in VariablePattern().Matches(text))
            {
                var name = match.Groups[1].Success ? match.Groups[1].Value : match.Groups[2].Value;
                listed.Should().ContainKey(name, $"{Path.GetFileName(file)} reads {name}");
            }
        }

        foreach (var secret in new[] { "DXMIG_SRC_ADMIN_PASSWORD", "DXMIG_DST_ADMIN_PASSWORD", "DXMIG_GRAPH_CLIENT_SECRET" })
        {
            listed[secret].Should().BeEmpty("a secret's value is never written in the example");
        }

        RequiredVariables().Keys.Should().BeEquivalentTo(ExampleNames(), "every example says what it needs");
        RequiredVariables()["mobile-devices-to-platform"].Should().NotContain(n => n.StartsWith("DXMIG_GRAPH_", StringComparison.Ordinal),
            "its Intune upload is off");
    }

    [Fact]
    public void Examples_UseOneVariableSchemeAndAStaffNumberIdentityMapForStaffNumberKinds()
    {
        foreach (var file in Directory.EnumerateFiles(Examples, "*.yaml"))
        {
            var text = File.ReadAllText(file);
            text.Should().NotContain("DXMIG_TENANT_ID").And.NotContain("DXMIG_CLIENT_ID}").And.NotContain("../../mappings/");
            if (text.Contains("kind: cess-", StringComparison.Ordinal) || text.Contains("kind: telework-groups", StringComparison.Ordinal))
            {
                text.Should().Contain("identity: mappings/staff-identity.example.csv", $"{Path.GetFileName(file)} looks people up by 職員番号");
            }
        }

        var staffNumbers = File.ReadAllLines(Path.Combine(RepoPaths.Mappings, "staff-identity.example.csv")).Skip(1).Select(l => l.Split(',')[0]).ToList();
        staffNumbers.Should().NotBeEmpty().And.OnlyContain(id => StaffNumberPattern().IsMatch(id), "the staff kinds look up the 職員番号 column");
    }

    [Fact]
    public async Task Validate_StraightCopyWithoutAnySearchPath_SaysWhereItLookedForTheMapping()
    {
        var lonely = Path.Combine(cli.Folder, "x", "jobs");
        Directory.CreateDirectory(lonely);
        var job = Path.Combine(lonely, "my.yaml");
        File.Copy(Path.Combine(Examples, "cess-staff-to-platform.yaml"), job);
        cli.Environment["DXMIG_CESS_EXPORT_DIR"] = DummyValue("DXMIG_CESS_EXPORT_DIR");
        cli.Environment["DXMIG_HOME"] = Path.Combine(cli.Folder, "home");

        var (code, _, error) = await cli.RunAsync("validate", job);

        code.Should().Be(ExitCodes.Failed);
        error.Should().Contain("マッピングファイル mappings/cess-departments.csv がありません (探した場所: ")
            .And.Contain(Path.Combine(lonely, "mappings", "cess-departments.csv"))
            .And.Contain(Path.Combine(cli.Folder, "home", "mappings", "cess-departments.csv"))
            .And.Contain("looked in:");

        // The same copy with the mappings in $DXMIG_HOME/mappings: found there.
        Directory.CreateDirectory(Path.Combine(cli.Folder, "home"));
        Directory.Move(Path.Combine(Install, "mappings"), Path.Combine(cli.Folder, "home", "mappings"));
        var (found, output, again) = await cli.RunAsync("validate", job);
        found.Should().Be(ExitCodes.Success, output + again);
    }

    [Fact]
    public async Task Validate_MobileDevicesWithIntuneOn_AsksForTheGraphVariables()
    {
        var job = Path.Combine(Install, "jobs", "mobile-devices-to-platform.yaml");
        File.WriteAllText(job, File.ReadAllText(job).Replace("enabled: false", "enabled: true", StringComparison.Ordinal));
        cli.Environment["DXMIG_MOBILE_EXPORT_DIR"] = DummyValue("DXMIG_MOBILE_EXPORT_DIR");

        var (code, _, error) = await cli.RunAsync("validate", job);

        code.Should().Be(ExitCodes.Failed);
        error.Should().Contain("環境変数 DXMIG_GRAPH_TENANT が設定されていません").And.Contain("DXMIG_GRAPH_CLIENT_ID").And.Contain("DXMIG_GRAPH_CERT");
    }

    /// <summary>What the example's <c>必須 / required:</c> lines say each example needs.</summary>
    private static Dictionary<string, List<string>> RequiredVariables()
    {
        var result = ExampleNames().ToDictionary(name => name, _ => new List<string>(), StringComparer.Ordinal);
        var lines = File.ReadAllLines(EnvExample);
        for (var i = 0; i < lines.Length; i++)
        {
            if (!lines[i].StartsWith("# 必須 / required:", StringComparison.Ordinal))
            {
                continue;
            }

            var name = lines[i + 1].TrimStart('#').Split('=')[0];
            foreach (var job in lines[i]["# 必須 / required:".Length..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                result[job].Add(name);
            }
        }

        return result;
    }

    /// <summary>Every variable the example file lists (commented out or not), with its example value.</summary>
    private static Dictionary<string, string> Listed() =>
        File.ReadAllLines(EnvExample)
            .Select(l => l.TrimStart('#'))
            .Where(l => AssignmentPattern().IsMatch(l))
            .ToDictionary(l => l.Split('=')[0], l => l[(l.IndexOf('=', StringComparison.Ordinal) + 1)..], StringComparer.Ordinal);

    /// <summary>A stand-in value: real folders and files where the variable names one, else a word.</summary>
    private string DummyValue(string name)
    {
        if (name.EndsWith("_DIR", StringComparison.Ordinal))
        {
            var folder = Path.Combine(cli.Folder, "exports-" + name.ToLowerInvariant());
            Directory.CreateDirectory(Path.Combine(folder, "documents"));
            foreach (var file in new[] { "staff.csv", "schedules.csv", "reservations.csv", "documents.csv", "devices.csv", "telework-mobile.csv", "telework-home.csv" })
            {
                File.WriteAllText(Path.Combine(folder, file), "x\n");
            }

            return folder;
        }

        return name switch
        {
            "DXMIG_ACCOUNTS" => cli.Write("accounts.csv", "source,target\ntanaka,tanaka@pref.example.jp\n"),
            "DXMIG_GRAPH_CERT" => cli.Write("graph-app.pem", "not read by validate\n"),
            _ => "dummy-" + name.ToLowerInvariant(),
        };
    }

    [GeneratedRegex(@"\$\{(DXMIG_[A-Z0-9_]+)|-env:\s*(DXMIG_[A-Z0-9_]+)")]
    private static partial Regex VariablePattern();

    [GeneratedRegex(@"^DXMIG_[A-Z0-9_]+=")]
    private static partial Regex AssignmentPattern();

    [GeneratedRegex(@"^S\d{6}$")]
    private static partial Regex StaffNumberPattern();
}
