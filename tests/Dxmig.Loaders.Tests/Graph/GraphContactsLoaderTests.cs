using Dxmig.Contracts;
using Dxmig.Contracts.Records;
using Dxmig.GraphEmulator;
using Dxmig.Loaders.Graph;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dxmig.Loaders.Tests.Graph;

/// <summary>Removals through <see cref="GraphContactsLoader"/> against the Graph emulator.</summary>
public sealed class GraphContactsLoaderTests : IAsyncLifetime
{
    private EmulatedGraph graph = null!;

    public async Task InitializeAsync() => graph = await EmulatedGraph.StartAsync(["tanaka"]);

    public async Task DisposeAsync() => await graph.DisposeAsync();

    private static LoadRequest<ContactRecord> Request(string name, string? previous = null, bool removal = false)
    {
        var entry = new AddressBookEntry { File = "tanaka.csv", Line = 1, Name = name, Email = $"{name}@example.jp" };
        var contact = new ContactRecord
        {
            OwnerAccount = "tanaka", OwnerTarget = EmulatedGraph.Upn("tanaka"), SourceSystem = "activemail-addressbook", SourceNativeId = $"{name}<{name}@example.jp>",
            ContentHash = "h-" + name, SourceLocation = "tanaka.csv:1", Original = entry, DisplayName = name, EmailNormalized = $"{name}@example.jp",
        };
        var key = new SourceKey("activemail-addressbook", "tanaka", "addressbook", contact.SourceNativeId, removal ? "removed" : "v1");
        return new LoadRequest<ContactRecord>(key, contact.ContentHash, 0, contact, InDoubt: false, previous, removal);
    }

    private List<StoredContact> Contacts() =>
        [.. graph.Emulator.Store.ContactFolders(EmulatedGraph.Upn("tanaka")).SelectMany(f => graph.Emulator.Store.Contacts(EmulatedGraph.Upn("tanaka"), f.Id))];

    [Fact]
    public async Task Removal_DeletesTheRecordedContact_AgainIsNoFailure_AndWithoutAnIdIsSkipped()
    {
        await using var loader = new GraphContactsLoader(graph.Session, NullLogger.Instance, TimeProvider.System);
        var written = await loader.LoadAsync("tanaka", [Request("ichiro"), Request("jiro")], CancellationToken.None);
        written.Should().OnlyContain(o => o.Problem == null && o.TargetKey!.StartsWith("graph-contact:", StringComparison.Ordinal));
        Contacts().Should().HaveCount(2);

        // A removal and a new contact in one batch: the removal deletes the contact the ledger recorded, by id.
        var mixed = await loader.LoadAsync("tanaka", [Request("ichiro", written[0].TargetKey, removal: true), Request("saburo")], CancellationToken.None);
        mixed[0].Should().Be(LoadOutcome.Loaded(written[0].TargetKey!));
        mixed[1].Problem.Should().BeNull();
        Contacts().Select(c => c.DisplayName).Should().BeEquivalentTo("jiro", "saburo");

        // Already gone (deleted by its owner, or by a removal whose answer was lost): done, not a failure.
        var again = await loader.LoadAsync("tanaka", [Request("ichiro", written[0].TargetKey, removal: true)], CancellationToken.None);
        again[0].Should().Be(LoadOutcome.Loaded(written[0].TargetKey!));
        graph.Emulator.Stats.For(EmulatedGraph.Upn("tanaka"), Operations.DeleteContact).Requests.Should().Be(2);

        var unknown = await loader.LoadAsync("tanaka", [Request("jiro", previous: null, removal: true)], CancellationToken.None);
        unknown[0].Problem.Should().NotBeNull();
        unknown[0].Problem!.Code.Should().Be("target-unknown");
        unknown[0].Problem!.Kind.Should().Be(ProblemKind.Skip);
        Contacts().Should().HaveCount(2, "nothing is deleted without the id the ledger recorded");
    }
}
