using System.Net.Http.Headers;
using System.Text;
using Dxmig.GraphEmulator;
using Dxmig.Jobs.Tests.Harness;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Pipeline;
using Dxmig.TestSupport;
using Dxmig.TestSupport.Jobs;

namespace Dxmig.Jobs.Tests.AddressBook;

/// <summary>Contacts gone from an export removed from the owner's Outlook contacts on the Graph emulator, through the job layer.</summary>
public sealed class AddressBookGraphRemovalTests : IAsyncLifetime, IDisposable
{
    private const string Owner = "user000@pref.example.jp";
    private readonly JobWorkspace workspace = new();
    private readonly JobLayer jobs;
    private GraphEmulator.GraphEmulator graph = null!;

    public AddressBookGraphRemovalTests() => jobs = new JobLayer(workspace);

    public async Task InitializeAsync() =>
        graph = await GraphEmulator.GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = [Owner, "user001@pref.example.jp"] }, CancellationToken.None);

    public async Task DisposeAsync() => await graph.DisposeAsync();

    public void Dispose() => workspace.Dispose();

    private string Job()
    {
        var mappings = RepoPaths.Mappings.Replace("\\", "/", StringComparison.Ordinal);
        var identity = workspace.Write("identity.csv", "source,target\nuser000,user000@pref.example.jp\nuser001,user001@pref.example.jp\n");
        workspace.Environment["DXMIG_GRAPH_SECRET"] = graph.ClientSecret;
        return workspace.Write("jobs/contacts-graph.yaml", $"""
            name: contacts-graph
            kind: addressbook
            source:
              type: activemail-addressbook-csv
              directory: ../exports
            target:
              {GraphTargetYaml.For(graph, "DXMIG_GRAPH_SECRET")}
            ledger: ../state/ledger.db
            mappings:
              fields: {mappings}/activemail-addressbook-fields.yaml
              gaiji: {mappings}/gaiji.csv
              identity: {identity}
            logging:
              folder: ../logs
            """);
    }

    private List<StoredContact> Contacts(string upn) =>
        [.. graph.Store.ContactFolders(upn).SelectMany(f => graph.Store.Contacts(upn, f.Id))];

    private static string? Address(StoredContact contact) =>
        contact.Properties["emailAddresses"]?.AsArray().FirstOrDefault()?["address"]?.GetValue<string>();

    /// <summary>What the owner does in Outlook: a request of their own to the emulator.</summary>
    private async Task OwnerSendsAsync(HttpMethod method, string path, string? json = null)
    {
        var token = await graph.GetAccessTokenAsync(GraphEmulator.GraphEmulator.GraphScope);
        using var http = new HttpClient(graph.CreatePinnedHandler());
        using var request = new HttpRequestMessage(method, graph.BaseUrl + path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        using var response = await http.SendAsync(request);
        response.IsSuccessStatusCode.Should().BeTrue(await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Run_ContactsGoneFromExport_AreDeletedInOutlook_OneTheOwnerDeletedOrEditedIsFine_AndReconciledClean()
    {
        AddressBookExports.Write(workspace.Exports, "user000", Enumerable.Range(0, 10));
        AddressBookExports.Write(workspace.Exports, "user001", Enumerable.Range(0, 10));
        var job = Job();
        var first = await jobs.RunAsync(job);
        first.ExitCode.Should().Be(ExitCodes.Success, first.Explain);
        Contacts(Owner).Should().HaveCount(10);

        // The owner deletes one contact in Outlook and edits another; then all three are gone from the export too.
        var deleted = Contacts(Owner).Single(c => Address(c) == AddressBookExports.Email("user000", 0));
        var edited = Contacts(Owner).Single(c => Address(c) == AddressBookExports.Email("user000", 1));
        await OwnerSendsAsync(HttpMethod.Delete, $"/users/{Owner}/contacts/{Uri.EscapeDataString(deleted.Id)}");
        await OwnerSendsAsync(HttpMethod.Patch, $"/users/{Owner}/contacts/{Uri.EscapeDataString(edited.Id)}", """{"jobTitle":"課長"}""");
        Contacts(Owner).Should().HaveCount(9);
        AddressBookExports.Write(workspace.Exports, "user000", Enumerable.Range(3, 7));

        var run = await jobs.RunAsync(job);

        run.ExitCode.Should().Be(ExitCodes.Success, run.Explain);
        run.Run.Removed.Should().Be(3, "the one the owner deleted is no failure");
        run.Balanced.Should().BeTrue();
        graph.Stats.For(Owner, Operations.DeleteContact).Requests.Should().BeGreaterThanOrEqualTo(4, "the owner's own delete and dxmig's three");
        var left = Contacts(Owner);
        left.Should().HaveCount(7);
        left.Select(Address).Should().NotContain([AddressBookExports.Email("user000", 0), AddressBookExports.Email("user000", 1), AddressBookExports.Email("user000", 2)]);
        Contacts("user001@pref.example.jp").Should().HaveCount(10);
        var ledger = await workspace.LedgerItemsAsync();
        ledger.Where(i => i.State == ItemState.Removed).Should().HaveCount(3).And.OnlyContain(i => i.Account == "user000" && i.TargetKey!.StartsWith("graph-contact:", StringComparison.Ordinal));

        var report = Path.Combine(workspace.Folder, "report");
        var reconcile = await jobs.ReconcileAsync(job, report);
        reconcile.ExitCode.Should().Be(ExitCodes.Success, reconcile.Explain);
        var totals = ReportSummary.Read(report)["totals"]!;
        totals["matched"]!.GetValue<long>().Should().Be(17);
        totals["missing"]!.GetValue<long>().Should().Be(0);
        totals["extra"]!.GetValue<long>().Should().Be(0);
        totals["ledgerRemoved"]!.GetValue<long>().Should().Be(3);

        var again = await jobs.RunAsync(job);
        again.ExitCode.Should().Be(ExitCodes.Success, again.Explain);
        again.Run.Removed.Should().Be(0);
    }
}
