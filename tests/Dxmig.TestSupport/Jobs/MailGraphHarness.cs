using System.Globalization;
using Dxmig.GraphEmulator;
using Dxmig.Loaders.Graph;
using Dxmig.Sandbox;
using FluentAssertions;
using MailKit;

namespace Dxmig.TestSupport.Jobs;

/// <summary>A private Dovecot source filled with the Japanese corpus, the Graph emulator as the target tenant, and the
/// example job <c>mail-imap-to-graph.yaml</c> pointed at both through the workspace's environment; the tests run it through
/// the job layer or the command line.</summary>
public sealed class MailGraphHarness : IAsyncDisposable
{
    public const string Domain = "pref.example.jp";

    private MailGraphHarness(DovecotServer source, GraphEmulator.GraphEmulator graph, JobWorkspace workspace)
    {
        Source = source;
        Graph = graph;
        Workspace = workspace;
    }

    public DovecotServer Source { get; }

    public GraphEmulator.GraphEmulator Graph { get; }

    public JobWorkspace Workspace { get; }

    public CorpusManifest Manifest { get; private set; } = new([], TimeSpan.Zero);

    public static string Job => Path.Combine(RepoPaths.Root, "jobs", "examples", "mail-imap-to-graph.yaml");

    public static string Upn(string user) => $"{user}@{Domain}";

    public static async Task<MailGraphHarness> StartAsync(
        IReadOnlyList<string> users, int messages = 40, ThrottlingSettings? throttling = null, IReadOnlyList<System.Security.Cryptography.X509Certificates.X509Certificate2>? clientCertificates = null)
    {
        var source = await DovecotServer.StartAsync(new DovecotOptions { Users = users.ToDictionary(u => u, u => $"{u}-pass") });
        var graph = await GraphEmulator.GraphEmulator.StartAsync(
            new GraphEmulatorOptions { Users = [.. users.Select(Upn)], Throttling = throttling ?? new ThrottlingSettings(), ClientCertificates = clientCertificates ?? [] }, CancellationToken.None);
        var harness = new MailGraphHarness(source, graph, new JobWorkspace());
        harness.Manifest = await new JapaneseMailCorpus(new JapaneseMailCorpusOptions { Seed = 7, MessagesPerMailbox = messages }).FillAsync(source, users);
        harness.Workspace.UseImapServer("DXMIG_SRC", source);
        harness.Workspace.UseMailAccounts(users, Upn);
        var env = harness.Workspace.Environment;
        foreach (var (key, value) in graph.JobEnvironment())
        {
            env[key] = value;
        }

        return harness;
    }

    /// <summary>A copy of the example job, edited, in the test's folder (its mapping paths made absolute).</summary>
    public string JobVariant(string name, Func<string, string> edit) => Workspace.JobVariant(Job, name, edit);

    /// <summary>Every message in the user's mailbox on the emulator, by the source SHA-256 dxmig stored on it.</summary>
    public ILookup<string, GraphEmulator.StoredMessage> TargetBySha(string user) =>
        Graph.Store.AllMessages(Upn(user)).ToLookup(m => m.ExtendedProperty(GraphMessageBuilder.Sha256Property) ?? "(none)", StringComparer.Ordinal);

    /// <summary>The display-name path of a folder on the emulator (well-known folders by their well-known name).</summary>
    public string FolderPath(string user, string folderId)
    {
        var folders = Graph.Store.MailFolders(Upn(user)).ToDictionary(f => f.Id);
        var parts = new List<string>();
        for (var folder = folders.GetValueOrDefault(folderId); folder is not null; folder = folder.ParentFolderId is { } p ? folders.GetValueOrDefault(p) : null)
        {
            if (folder.WellKnownName == "msgfolderroot")
            {
                break;
            }

            parts.Insert(0, folder.WellKnownName ?? folder.DisplayName);
        }

        return string.Join('/', parts);
    }

    /// <summary>Asserts each source message is on the target exactly once and nothing else is.</summary>
    public void AssertNothingLostOrDoubled(string user, IEnumerable<ManifestMessage> expected)
    {
        var target = TargetBySha(user);
        var list = expected.ToList();
        Graph.Store.AllMessages(Upn(user)).Should().HaveCount(list.Count, $"{user}: nothing lost, nothing doubled");
        foreach (var message in list)
        {
            target[message.Sha256].Should().ContainSingle($"{user}: {message.Folder} {message.MessageId ?? message.Sha256} exactly once");
        }
    }

    public static bool Has(ManifestMessage message, MessageFlags flag) => message.Flags.HasFlag(flag);

    public async ValueTask DisposeAsync()
    {
        Workspace.Dispose();
        await Graph.DisposeAsync();
        await Source.DisposeAsync();
    }
}
