using System.Globalization;
using Dxmig.GraphEmulator;
using Dxmig.Jobs.Tests.Harness;
using Dxmig.Loaders.Graph;
using Dxmig.Platform.Pipeline;
using Dxmig.TestSupport;
using Dxmig.TestSupport.Jobs;

namespace Dxmig.Jobs.Tests.AddressBook;

/// <summary>Active! Mail address books → each owner's Outlook contacts on the Graph emulator, through the job layer.</summary>
public sealed class AddressBookGraphRunTests : IAsyncLifetime, IDisposable
{
    private readonly JobWorkspace workspace = new();
    private readonly JobLayer jobs;
    private GraphEmulator.GraphEmulator graph = null!;

    public AddressBookGraphRunTests() => jobs = new JobLayer(workspace);

    public async Task InitializeAsync()
    {
        graph = await GraphEmulator.GraphEmulator.StartAsync(
            new GraphEmulatorOptions { Users = [.. Enumerable.Range(0, 3).Select(i => $"user{i:000}@pref.example.jp")] }, CancellationToken.None);
    }

    public async Task DisposeAsync() => await graph.DisposeAsync();

    public void Dispose() => workspace.Dispose();

    private string Job()
    {
        var mappings = RepoPaths.Mappings.Replace("\\", "/", StringComparison.Ordinal);
        var identity = workspace.Write("identity.csv", "source,target\n" + string.Concat(Enumerable.Range(0, 3).Select(i => $"user{i:000},user{i:000}@pref.example.jp\n")));
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
            """);
    }

    private IEnumerable<StoredContact> AllContacts(string upn) =>
        graph.Store.ContactFolders(upn).SelectMany(f => graph.Store.Contacts(upn, f.Id)).Concat(graph.Store.Contacts(upn));

    [Fact]
    public async Task Run_AddressBooksToGraph_EachOwnerGetsTheirContactsOnce_AndASecondRunCreatesNothing()
    {
        var samples = workspace.Samples(accounts: 3);
        var job = Job();

        var run = await jobs.RunAsync(job);

        run.ExitCode.Should().Be(ExitCodes.Quarantined, run.Explain); // the planted bad rows
        var contacts = Enumerable.Range(0, 3).SelectMany(i => AllContacts($"user{i:000}@pref.example.jp")).ToList();
        contacts.Should().HaveCount(samples.ExpectedLoaded);
        contacts.Select(c => c.ExtendedProperties.Values).Should().NotBeEmpty();
        contacts.GroupBy(c => c.ExtendedProperties.Values.First()).Should().OnlyContain(g => g.Count() == 1, "each source key once");
        graph.Store.ContactFolders("user000@pref.example.jp").Should().Contain(f => f.DisplayName == "Active! Mail アドレス帳");
        var sample = contacts.First(c => c.Properties["emailAddresses"]!.AsArray().Count > 0);
        sample.Properties["yomiSurname"]!.GetValue<string>().Should().NotBeEmpty("ふりがな kept for Outlook's sorting");
        var creates = Enumerable.Range(0, 3).Sum(i => graph.Stats.For($"user{i:000}@pref.example.jp", Operations.CreateContact).Requests);

        var second = await jobs.RunAsync(job);

        second.ExitCode.Should().Be(ExitCodes.Quarantined, second.Explain);
        Enumerable.Range(0, 3).Sum(i => graph.Stats.For($"user{i:000}@pref.example.jp", Operations.CreateContact).Requests).Should().Be(creates);
        Enumerable.Range(0, 3).SelectMany(i => AllContacts($"user{i:000}@pref.example.jp")).Should().HaveCount(samples.ExpectedLoaded);
        creates.ToString(CultureInfo.InvariantCulture).Should().NotBe("0");
    }

    [Fact]
    public async Task Run_LostResponsesOnContactCreates_ResumeWithoutDoubles()
    {
        var samples = workspace.Samples(accounts: 3);
        var job = Job();
        graph.Faults.Add(new FaultRule(FaultKind.LoseResponse) { PathPattern = @"^/\$batch$", Probability = 0.3 });

        for (var attempt = 0; attempt < 6; attempt++)
        {
            var run = await jobs.RunAsync(job);
            if (run.ExitCode != ExitCodes.Failed)
            {
                break;
            }
        }

        graph.Stats.TotalFaultsInjected.Should().BePositive();
        graph.Faults.Clear();
        var last = await jobs.RunAsync(job);
        last.ExitCode.Should().Be(ExitCodes.Quarantined, "only the planted bad rows remain: " + last.Explain);
        var contacts = Enumerable.Range(0, 3).SelectMany(i => AllContacts($"user{i:000}@pref.example.jp")).ToList();
        contacts.Should().HaveCount(samples.ExpectedLoaded, "nothing lost, nothing doubled");
    }
}
