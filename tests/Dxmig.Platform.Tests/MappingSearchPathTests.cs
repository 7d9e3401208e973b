using Dxmig.Platform.JobFiles;
using Dxmig.TestSupport;

namespace Dxmig.Platform.Tests;

public sealed class MappingSearchPathTests : IDisposable
{
    private readonly TempFolder temp = new();
    private readonly Dictionary<string, string> environment = new();

    public void Dispose() => temp.Dispose();

    private string? Env(string name) => environment.TryGetValue(name, out var v) ? v : null;

    [Fact]
    public void Resolve_InstallLayout_FindsTheMappingsFolderBesideTheJobs()
    {
        var shipped = temp.Write("opt/dxmig/mappings/gaiji.csv", "codepoint,replacement\n");
        var jobs = Path.Combine(temp.Path, "opt", "dxmig", "jobs");
        Directory.CreateDirectory(jobs);

        MappingSearchPath.Resolve("mappings/gaiji.csv", jobs, Env).Found.Should().Be(shipped);
        MappingSearchPath.Resolve("gaiji.csv", jobs, Env).Found.Should().Be(shipped, "a bare name is looked up in the mapping folders too");
    }

    [Fact]
    public void Resolve_FileBesideTheJob_WinsOverTheSearchPath()
    {
        temp.Write("home/mappings/identity.csv", "source,target\n");
        var own = temp.Write("jobs/mappings/identity.csv", "source,target\n");
        environment["DXMIG_HOME"] = Path.Combine(temp.Path, "home");

        MappingSearchPath.Resolve("mappings/identity.csv", Path.Combine(temp.Path, "jobs"), Env).Found.Should().Be(own);
    }

    [Fact]
    public void Resolve_OrderIsJobFolderThenNearbyMappingsThenVariableThenHomeThenInstall()
    {
        environment["DXMIG_MAPPINGS"] = Path.Combine(temp.Path, "extra") + Path.PathSeparator + Path.Combine(temp.Path, "more");
        environment["DXMIG_HOME"] = Path.Combine(temp.Path, "home");
        environment["DXMIG_REPO"] = Path.Combine(temp.Path, "repo");
        var jobs = Path.Combine(temp.Path, "a", "b", "jobs");

        var (found, tried) = MappingSearchPath.Resolve("mappings/x.csv", jobs, Env);

        found.Should().BeNull();
        tried.Should().Equal(
            Path.Combine(jobs, "mappings", "x.csv"),
            Path.Combine(temp.Path, "a", "b", "mappings", "x.csv"),
            Path.Combine(temp.Path, "a", "mappings", "x.csv"),
            Path.Combine(temp.Path, "extra", "x.csv"),
            Path.Combine(temp.Path, "more", "x.csv"),
            Path.Combine(temp.Path, "home", "mappings", "x.csv"),
            Path.Combine(temp.Path, "repo", "mappings", "x.csv"));
    }

    [Fact]
    public void Resolve_DotRelativeOrAbsolute_IsLookedForThereOnly()
    {
        temp.Write("home/mappings/x.csv", "source,target\n");
        environment["DXMIG_HOME"] = Path.Combine(temp.Path, "home");
        var jobs = Path.Combine(temp.Path, "jobs");

        MappingSearchPath.Resolve("../mappings/x.csv", jobs, Env).Tried.Should().Equal(Path.Combine(temp.Path, "mappings", "x.csv"));
        MappingSearchPath.Resolve("../mappings/x.csv", jobs, Env).Found.Should().BeNull();
        MappingSearchPath.Resolve("/nowhere/x.csv", jobs, Env).Tried.Should().Equal("/nowhere/x.csv");
    }

    [Fact]
    public void Read_SecretReference_IsCheckedPresentForARunOnly()
    {
        var path = temp.Write("job.yaml", """
            name: wave1
            kind: test
            source: { admin-password-env: DXMIG_UNSET_SECRET }
            target: {}
            """);
        var kinds = new Dictionary<string, JobKindSchema> { ["test"] = new("test", new Dictionary<string, bool>()) };

        var forRun = new Contracts.DiagnosticBag();
        JobFileReader.Read(path, kinds, forRun, Env, JobUse.Run)!.Source.Secret("admin-password");
        var forHistory = new Contracts.DiagnosticBag();
        JobFileReader.Read(path, kinds, forHistory, Env, JobUse.History)!.Source.Secret("admin-password");
        environment["DXMIG_UNSET_SECRET"] = "s3cret-value";
        var whenSet = new Contracts.DiagnosticBag();
        JobFileReader.Read(path, kinds, whenSet, Env, JobUse.Run)!.Source.Secret("admin-password");

        forRun.Render().Should().Contain("job.yaml:3:31: エラー: 環境変数 DXMIG_UNSET_SECRET (秘密情報) が設定されていません");
        forHistory.Items.Should().BeEmpty();
        whenSet.Items.Should().BeEmpty();
        whenSet.Render().Should().NotContain("s3cret-value");
    }
}
