using System.Text;
using Dxmig.Sandbox.Samples;
using Dxmig.GraphEmulator;
using Dxmig.Platform.Pipeline;
using Dxmig.Contracts.Text;
using Dxmig.Jobs.Tests.Harness;
using Dxmig.TestSupport;
using Dxmig.TestSupport.Jobs;

namespace Dxmig.Jobs.Tests.Cess.Staff;

/// <summary><c>kind: cess-staff</c> → Entra ID user attributes (PATCH /users/{upn} in $batch) on the Graph emulator.</summary>
public sealed class StaffGraphRunTests : IAsyncLifetime, IDisposable
{
    private const int People = 12;
    private const string LongId = "S00000000000000001";
    private readonly JobWorkspace cli = new();
    private GraphEmulator.GraphEmulator graph = null!;

    public async Task InitializeAsync() =>
        graph = await GraphEmulator.GraphEmulator.StartAsync(
            new GraphEmulatorOptions { Users = [.. Enumerable.Range(0, People).Select(StaffSamples.Upn), "long@pref.example.jp"] }, CancellationToken.None);

    public async Task DisposeAsync() => await graph.DisposeAsync();

    public void Dispose() => cli.Dispose();

    private JobLayer Jobs => new(cli);

    private string Generate(StaffSampleOptions options)
    {
        var export = Path.Combine(cli.Folder, "exports", "staff.csv");
        var identity = Path.Combine(cli.Folder, "exports", "identity.csv");
        StaffSamples.Write(export, identity, options);

        // One person whose employee id is longer than Graph's 16 characters.
        File.AppendAllText(export, $"{LongId},長井　番号,ナガイ　バンゴウ,Nagai Bango,101000,総務課,主事,03-5321-0009,2009,long@pref.example.jp,本庁舎,2023/04/01\r\n", JapaneseEncodings.StrictCp932());
        File.AppendAllText(identity, $"{LongId},long@pref.example.jp\n", Encoding.UTF8);
        var mappings = RepoPaths.Mappings.Replace("\\", "/", StringComparison.Ordinal);
        cli.Environment["DXMIG_GRAPH_SECRET"] = graph.ClientSecret;
        return cli.Write("jobs/staff-graph.yaml", $"""
            name: staff-graph
            kind: cess-staff
            source:
              type: cess-staff-csv
              file: ../exports/staff.csv
            target:
              type: graph
              base-url: {graph.BaseUrl}
              authority-host: {graph.AuthorityHost}
              tenant-id: {graph.TenantId}
              client-id: {graph.ClientId}
              client-secret-env: DXMIG_GRAPH_SECRET
              certificate-sha256: {graph.CertificateSha256}
              attributes: [department, jobTitle, businessPhones, employeeId]
            ledger: ../state/ledger.db
            mappings:
              fields: {mappings}/cess-staff-fields.yaml
              departments: {mappings}/cess-departments.csv
              identity: ../exports/identity.csv
            logging:
              folder: ../logs
            """);
    }

    [Fact]
    public async Task Run_PatchesOnlyTheListedAttributes_AndAChangedRowIsTheOnlyPatchNextTime()
    {
        var job = Generate(new StaffSampleOptions(People));

        var run = await Jobs.RunAsync(job);

        run.ExitCode.Should().Be(ExitCodes.Quarantined, run.Explain);
        run.Run.Quarantined.Should().Be(1);
        run.Quarantined.Should().ContainSingle().Which.Should().Match<Dxmig.Platform.Ledger.LedgerItem>(i => i.Code == "graph-refused" && i.Message!.Contains("16"));
        var upn = StaffSamples.Upn(0);
        var profile = graph.Store.UserProfile(upn);
        profile["employeeId"]!.GetValue<string>().Should().Be(StaffSamples.EmployeeId(0));
        profile["department"]!.GetValue<string>().Should().NotBeNullOrEmpty();
        profile["businessPhones"]!.AsArray().Should().ContainSingle().Which!.GetValue<string>().Should().StartWith("+81");
        var patches = Enumerable.Range(0, People).SelectMany(i => graph.Store.UserPatches(StaffSamples.Upn(i))).ToList();
        patches.Should().HaveCount(People);
        patches.Should().OnlyContain(p => p.Select(kv => kv.Key).Order().SequenceEqual(new[] { "businessPhones", "department", "employeeId", "jobTitle" }));
        graph.Store.UserPatches("long@pref.example.jp").Should().BeEmpty();

        var again = await Jobs.RunAsync(job);
        again.ExitCode.Should().Be(ExitCodes.Quarantined, again.Explain);
        Enumerable.Range(0, People).Sum(i => graph.Store.UserPatches(StaffSamples.Upn(i)).Count).Should().Be(People);

        Generate(new StaffSampleOptions(People) { Changed = new HashSet<int> { 3 } });
        (await Jobs.RunAsync(job)).ExitCode.Should().Be(ExitCodes.Quarantined);
        graph.Store.UserPatches(StaffSamples.Upn(3)).Should().HaveCount(2);
        graph.Store.UserProfile(StaffSamples.Upn(3))["jobTitle"]!.GetValue<string>().Should().Be("参事");
        Enumerable.Range(0, People).Sum(i => graph.Store.UserPatches(StaffSamples.Upn(i)).Count).Should().Be(People + 1);

        // Reconciliation reads Entra ID's users back: the attributes match, the refused person is listed as quarantined.
        var report = Path.Combine(cli.Folder, "report");
        var reconcile = await Jobs.ReconcileAsync(job, report);
        var totals = ReportSummary.Read(report)["totals"]!;
        totals["matched"]!.GetValue<long>().Should().Be(People + 1, reconcile.Explain);
        totals["differences"]!.GetValue<long>().Should().Be(0, "the refused person's differing attributes are its documented quarantine");
        reconcile.Outcome.Accounts.Should().Contain(a => a.Reason.Contains("quarantined:graph-refused 1", StringComparison.Ordinal), "the verdict names the documented exception");
    }
}
