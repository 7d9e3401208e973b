using Dxmig.Contracts;
using Dxmig.Jobs.Common;
using Dxmig.Jobs.Planning;
using Dxmig.Platform.Scheduling;
using Dxmig.Sandbox.Samples;
using Dxmig.TestSupport;
using Dxmig.TestSupport.Jobs;

namespace Dxmig.Jobs.Tests.Planning;

/// <summary>
/// <see cref="PlanRates"/>: which rate a plan uses for a job's kind and target, strongest first — the flags, the job's
/// <c>plan:</c> section key by key, a given rates file, the shipped one, the kind's built-in rate — and that the plan
/// can say where each came from (file:line).
/// </summary>
public sealed class PlanRatesTests : IDisposable
{
    private static readonly GivenThroughput NoneGiven = new(null, null);
    private readonly StaffHarness staff = new();

    public PlanRatesTests() => staff.Generate(new StaffSampleOptions(5));

    public void Dispose() => staff.Dispose();

    private const string Shipped = """
        # comment lines first, so that the entries' lines are not 1
        rates:
          - kind: mail
            target: imap
            items-per-second: 100
          - kind: cess-staff
            target: sqlite
            status: measured
            items-per-second: 1000
            per-account-seconds: 2
            per-run-seconds: 3
            node-mb-per-second: 40
            basis: bench/staff.sh 100000, quiet
        """;

    private const string Given = """
        rates:
          - kind: cess-staff
            target: sqlite
            status: measured
            items-per-second: 50
            basis: rehearsal
        """;

    private PlanRateBook Book(string name, string text)
    {
        var diagnostics = new DiagnosticBag();
        var book = PlanRateBook.Load(staff.Workspace.Write(name, text), diagnostics);
        book.Should().NotBeNull(diagnostics.Render());
        return book!;
    }

    private IBoundJob Job(string plan = "") =>
        JobLoader.LoadForRun(plan.Length == 0 ? staff.JobFile() : AppendPlan(staff.JobFile(), plan), staff.Workspace.Variable);

    private static string AppendPlan(string path, string plan)
    {
        File.AppendAllText(path, "\nplan:\n" + plan);
        return path;
    }

    [Fact]
    public void Choose_NoEntryAnywhere_IsTheKindsBuiltInRate_SaidToBeAssumed()
    {
        var choice = PlanRates.Choose(Job(), PlanRateFiles.None, NoneGiven);

        choice.Rate.Should().Be(SourceSizes.Store("platform-staff", NoneGiven));
        choice.Status.Should().Be(RateStatus.Assumed);
        choice.Entry.Should().BeNull();
        choice.Source.Should().Contain("no entry for cess-staff → sqlite");
    }

    [Fact]
    public void Choose_ShippedEntry_IsUsed_WithItsFileAndLine()
    {
        var shipped = Book("mappings/plan-rates.yaml", Shipped);

        var choice = PlanRates.Choose(Job(), new PlanRateFiles(shipped, null), NoneGiven);

        choice.Source.Should().Be($"{shipped.Display}:6", "the cess-staff entry starts on line 6");
        choice.Status.Should().Be(RateStatus.Measured);
        choice.Basis.Should().Be("bench/staff.sh 100000, quiet");
        choice.Rate.ItemsPerSecond.Should().Be(1000);
        choice.Rate.BytesPerSecond.Should().Be(double.PositiveInfinity, "no mb-per-second: no limit by bytes");
        choice.Rate.PerAccount.Should().Be(TimeSpan.FromSeconds(2));
        choice.Rate.PerRun.Should().Be(TimeSpan.FromSeconds(3));
        choice.NodeCapacity!.BytesPerSecond.Should().Be(40d * 1024 * 1024);
    }

    [Fact]
    public void Choose_AGivenFile_BeatsTheShippedOne_WholeEntry()
    {
        var files = new PlanRateFiles(Book("mappings/plan-rates.yaml", Shipped), Book("rehearsal-rates.yaml", Given));

        var choice = PlanRates.Choose(Job(), files, NoneGiven);

        choice.Rate.ItemsPerSecond.Should().Be(50);
        choice.Rate.PerAccount.Should().Be(TimeSpan.Zero, "a given file's entry replaces the shipped entry whole");
        choice.Source.Should().EndWith("rehearsal-rates.yaml:2");
        choice.Basis.Should().Be("rehearsal");
    }

    [Fact]
    public void Choose_TheJobsPlanSection_BeatsTheFiles_KeyByKey()
    {
        var files = new PlanRateFiles(Book("mappings/plan-rates.yaml", Shipped), Book("rehearsal-rates.yaml", Given));

        var choice = PlanRates.Choose(Job("  items-per-second: 123\n  per-account-seconds: 0.5\n"), files, NoneGiven);

        choice.Rate.ItemsPerSecond.Should().Be(123);
        choice.Rate.PerAccount.Should().Be(TimeSpan.FromSeconds(0.5));
        choice.Basis.Should().Be("rehearsal", "what the section does not say stays the file's");
        choice.Source.Should().MatchRegex(@"rehearsal-rates\.yaml:2; items-per-second: .*staff\.yaml:\d+ \(plan:\); per-account-seconds: .*staff\.yaml:\d+ \(plan:\)$");
    }

    [Fact]
    public void Choose_ThePlanSectionWithoutAnyFile_AppliesOverTheBuiltInRate()
    {
        var choice = PlanRates.Choose(Job("  items-per-second: 700\n  status: measured\n"), PlanRateFiles.None, NoneGiven);

        choice.Rate.ItemsPerSecond.Should().Be(700);
        choice.Status.Should().Be(RateStatus.Measured);
        choice.Source.Should().StartWith("組み込みの値 / built in; items-per-second: ");
    }

    [Fact]
    public void Choose_TheFlags_BeatEverything()
    {
        var files = new PlanRateFiles(Book("mappings/plan-rates.yaml", Shipped), null);

        var choice = PlanRates.Choose(Job("  items-per-second: 123\n"), files, new GivenThroughput(2, 7));

        choice.Rate.ItemsPerSecond.Should().Be(7);
        choice.Rate.BytesPerSecond.Should().Be(2d * 1024 * 1024);
        choice.Source.Should().EndWith("--throughput 2, --items-per-second 7");
    }

    [Fact]
    public void WithFlags_BelowAPublishedLimit_CanOnlyLowerIt()
    {
        var graph = new PlanRate("mail", "graph") { Status = RateStatus.Published, ItemsPerSecond = 16.667, MegabytesPerSecond = 0.463 };

        var higher = PlanRates.WithFlags(graph, new GivenThroughput(10, 100));
        var lower = PlanRates.WithFlags(graph, new GivenThroughput(0.1, 5));

        (higher.ItemsPerSecond, higher.MegabytesPerSecond).Should().Be((16.667, 0.463));
        (lower.ItemsPerSecond, lower.MegabytesPerSecond).Should().Be((5, 0.1));
        lower.Status.Should().Be(RateStatus.Published);
    }

    [Fact]
    public void Choose_AnErrorInThePlanSection_IsRefusedWithTheFileAndLine()
    {
        var act = () => PlanRates.Choose(Job("  items-per-second: fast\n  speed: 3\n"), PlanRateFiles.None, NoneGiven);

        act.Should().Throw<ConfigurationException>()
            .Which.Message.Should().MatchRegex(@"staff\.yaml:\d+:\d+: .*unknown key 'plan\.speed'")
            .And.MatchRegex(@"staff\.yaml:\d+:\d+: .*'items-per-second' must be a positive number \(got fast\)");
    }

    [Fact]
    public void Load_ReportsEveryProblemWithItsLine()
    {
        var diagnostics = new DiagnosticBag();
        var path = staff.Workspace.Write("bad-rates.yaml", """
            rates:
              - kind: mail
                target: imap
                items-per-second: -1
                status: guessed
                colour: blue
              - kind: mail
                target: imap
              - target: graph
            extra: 1
            """);

        PlanRateBook.Load(path, diagnostics).Should().BeNull();

        var lines = diagnostics.Items.Select(d => (d.Position.Line, d.English)).ToList();
        lines.Should().Contain((4, "'items-per-second' must be a positive number (got -1)"));
        lines.Should().Contain((5, "'status' must be measured, published or assumed (got guessed)"));
        lines.Should().Contain(l => l.Line == 6 && l.English.StartsWith("unknown key 'colour'", StringComparison.Ordinal));
        lines.Should().Contain((7, "mail → imap is written twice"));
        lines.Should().Contain((9, "every entry needs a kind and a target"));
        lines.Should().Contain(l => l.Line == 10 && l.English.StartsWith("unknown key 'extra'", StringComparison.Ordinal));
    }

    [Fact]
    public void TheShippedFile_ReadsWithoutErrors_AndEveryEntrySaysItsStatusAndBasis()
    {
        var diagnostics = new DiagnosticBag();

        var book = PlanRateBook.Load(Path.Combine(RepoPaths.Mappings, PlanRateBook.FileName), diagnostics);

        book.Should().NotBeNull(diagnostics.Render());
        book!.Entries.Should().OnlyContain(e => e.Basis.Length > 20);
        book.Find("mail", "imap")!.Status.Should().Be(RateStatus.Measured);
        book.Find("mail", "graph")!.Status.Should().Be(RateStatus.Published);
        book.Find("mail", "exo-imap")!.Status.Should().Be(RateStatus.Assumed);
        foreach (var (kind, target) in new[] { ("addressbook", "sqlite"), ("addressbook", "postgresql"), ("addressbook", "graph"), ("cess-staff", "sqlite"), ("cess-staff", "postgresql"), ("cess-staff", "graph"), ("cess-schedules", "postgresql"), ("cess-schedules", "graph"), ("cess-documents", "graph-drive"), ("mobile-devices", "sqlite"), ("mobile-devices", "postgresql") })
        {
            book.Find(kind, target).Should().NotBeNull($"{kind} → {target} has an entry");
        }
    }

    [Fact]
    public void Find_TheEnvironmentsFile_WhenNoneIsGivenOnTheCommandLine_AndTheCommandLinesFirst()
    {
        var environmentFile = staff.Workspace.Write("env-rates.yaml", Given);
        var commandLineFile = staff.Workspace.Write("cli-rates.yaml", Given.Replace("50", "60", StringComparison.Ordinal));
        string? Environment(string name) => name == PlanRateBook.Variable ? environmentFile : null;

        PlanRateFiles.Find(staff.Workspace.Folder, null, Environment).Given!.Find("cess-staff", "sqlite")!.ItemsPerSecond.Should().Be(50);
        PlanRateFiles.Find(staff.Workspace.Folder, commandLineFile, Environment).Given!.Find("cess-staff", "sqlite")!.ItemsPerSecond.Should().Be(60);
        var missing = () => PlanRateFiles.Find(staff.Workspace.Folder, Path.Combine(staff.Workspace.Folder, "none.yaml"), Environment);
        missing.Should().Throw<ConfigurationException>().Which.Message.Should().Contain("the rates file does not exist");
    }

    [Theory]
    [InlineData("", "sqlite")]
    [InlineData("/var/lib/dxmig/platform.db", "sqlite")]
    [InlineData("Host=db;Database=dxmig;Username=dxmig", "postgresql")]
    public void TargetOf_ThePlatformStore_IsItsEngine(string store, string target)
    {
        var path = staff.JobFile();
        var text = File.ReadAllText(path);
        var start = text.IndexOf("store: ", StringComparison.Ordinal);
        var end = text.IndexOf('\n', start);
        File.WriteAllText(path, string.Concat(text.AsSpan(0, start), $"store: \"{store}\"", text.AsSpan(end)));

        var job = JobLoader.LoadForHistory(path, staff.Workspace.Variable);

        PlanRates.TargetOf(job.File).Should().Be(target);
    }
}
