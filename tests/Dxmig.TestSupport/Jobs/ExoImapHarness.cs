using System.Globalization;
using Dxmig.GraphEmulator;
using Dxmig.Sandbox;
using Dxmig.TestSupport.Exchange;
using Dxmig.TestSupport.Mail;
using FluentAssertions;

namespace Dxmig.TestSupport.Jobs;

/// <summary>
/// The exo-imap sandbox for job runs: a private Dovecot source filled with the Japanese corpus; the Graph emulator as the
/// tenant (it issues the app's tokens for Exchange and answers Dovecot's introspection); the target Dovecot validating
/// those tokens (<see cref="ExoImapSandbox"/>) with a Japanese Exchange mailbox's special folders (送信済みアイテム,
/// 下書き, 削除済みアイテム, 迷惑メール), behind the proxy that applies Exchange's IMAP behaviour (its capabilities, no
/// MULTIAPPEND, \Flagged dropped from APPEND, throttling, BYE when the token expires, reserved names, the size limit);
/// and the example job <c>mail-imap-to-exo-imap.yaml</c> pointed at all of it through the workspace's environment.
/// </summary>
public sealed class ExoImapHarness : IAsyncDisposable
{
    public const string Domain = "pref.example.jp";

    /// <summary>Where the corpus's folders land in a Japanese Exchange mailbox.</summary>
    public static readonly IReadOnlyDictionary<string, string> ExchangeFolders = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["送信済み"] = "送信済みアイテム",
        ["下書き"] = "下書き",
        ["ごみ箱"] = "削除済みアイテム",
        ["迷惑メール"] = "迷惑メール",
    };

    private ExoImapHarness(DovecotServer source, GraphEmulator.GraphEmulator graph, ExoImapSandbox exchange, ExchangeImapProxy proxy, JobWorkspace workspace)
    {
        Source = source;
        Graph = graph;
        Exchange = exchange;
        Proxy = proxy;
        Workspace = workspace;
    }

    /// <summary>Exchange's IMAP front: where dxmig connects, and its counters.</summary>
    public ExchangeImapProxy Proxy { get; }

    public DovecotServer Source { get; }

    public GraphEmulator.GraphEmulator Graph { get; }

    public ExoImapSandbox Exchange { get; }

    public JobWorkspace Workspace { get; }

    public CorpusManifest Manifest { get; private set; } = new([], TimeSpan.Zero);

    public static string Job => Path.Combine(RepoPaths.Root, "jobs", "examples", "mail-imap-to-exo-imap.yaml");

    public static string Upn(string user) => $"{user}@{Domain}";

    /// <param name="users">Source accounts; each goes to <c>user@pref.example.jp</c>.</param>
    /// <param name="graphOptions">Changes to the emulator's options (a short token lifetime, mailboxes without access).</param>
    /// <param name="proxyOptions">Changes to the proxy's options (Exchange's by default, tokens expiring as the emulator says).</param>
    public static async Task<ExoImapHarness> StartAsync(
        IReadOnlyList<string> users,
        int messages = 40,
        Func<GraphEmulatorOptions, GraphEmulatorOptions>? graphOptions = null,
        Func<ExchangeImapProxyOptions, ExchangeImapProxyOptions>? proxyOptions = null)
    {
        var source = await DovecotServer.StartAsync(new DovecotOptions { Users = users.ToDictionary(u => u, u => $"{u}-pass") });
        var options = new GraphEmulatorOptions { Users = [.. users.Select(Upn)] };
        var graph = await GraphEmulator.GraphEmulator.StartAsync(graphOptions is null ? options : graphOptions(options), CancellationToken.None);
        var exchange = await ExoImapSandbox.StartAsync(graph, new DovecotOptions
        {
            Users = users.ToDictionary(Upn, u => $"{u}-unused-password"),
            SpecialUseFolders = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["送信済みアイテム"] = @"\Sent", ["下書き"] = @"\Drafts", ["削除済みアイテム"] = @"\Trash", ["迷惑メール"] = @"\Junk", ["アーカイブ"] = @"\Archive",
            },
            CreateSpecialUseFolders = true,
        });
        var exchangeOptions = new ExchangeImapProxyOptions { TokenExpiry = graph.ExchangeTokenExpiry, BeforeMailboxRead = exchange.BringInGraphMailAsync };
        var proxy = ExchangeImapProxy.Start(exchange.Dovecot, proxyOptions is null ? exchangeOptions : proxyOptions(exchangeOptions));
        var harness = new ExoImapHarness(source, graph, exchange, proxy, new JobWorkspace());
        harness.Manifest = await new JapaneseMailCorpus(new JapaneseMailCorpusOptions { Seed = 11, MessagesPerMailbox = messages }).FillAsync(source, users);
        harness.Workspace.UseImapServer("DXMIG_SRC", source);
        harness.Workspace.UseMailAccounts(users, Upn);
        var env = harness.Workspace.Environment;
        foreach (var (key, value) in graph.JobEnvironment())
        {
            env[key] = value;
        }

        env["DXMIG_EXO_IMAP_HOST"] = proxy.Host;
        env["DXMIG_EXO_IMAP_PORT"] = proxy.Port.ToString(CultureInfo.InvariantCulture);
        env["DXMIG_EXO_IMAP_SECURITY"] = "none";
        return harness;
    }

    /// <summary>A copy of the example job, edited, in the test's folder (its mapping paths made absolute).</summary>
    public string JobVariant(string name, Func<string, string> edit) => Workspace.JobVariant(Job, name, edit);

    /// <summary>Every message in the user's Exchange mailbox, read through the sandbox's master user.</summary>
    public async Task<IReadOnlyList<Sandbox.StoredMessage>> TargetMessagesAsync(string user)
    {
        using var client = await Exchange.Dovecot.ConnectAsMasterAsync(Upn(user));
        var messages = await ImapMailboxReader.ReadMessagesAsync(client);
        await client.DisconnectAsync(true);
        return messages;
    }

    public async Task<IReadOnlyList<string>> TargetFoldersAsync(string user)
    {
        using var client = await Exchange.Dovecot.ConnectAsMasterAsync(Upn(user));
        return await ImapMailboxReader.ReadFolderNamesAsync(client);
    }

    /// <summary>Asserts the mailbox holds exactly the source's messages: each once, byte for byte, flags (\Flagged too,
    /// set after APPEND), the one keyword Exchange keeps, and date.</summary>
    public async Task AssertTargetHoldsAsync(string user, IEnumerable<Sandbox.StoredMessage> expectedSource)
    {
        var actual = await TargetMessagesAsync(user);
        var expected = expectedSource.Select(m => m with { Folder = ExchangeFolders.TryGetValue(m.Folder, out var mapped) ? mapped : m.Folder }).ToList();
        actual.Should().HaveCount(expected.Count, $"{user}: nothing lost, nothing doubled");
        foreach (var message in expected)
        {
            var match = actual.Where(a => a.Folder == message.Folder && a.Sha256 == message.Sha256).ToList();
            match.Should().ContainSingle($"{user}: {message.Folder} holds {message.MessageId ?? message.Sha256} exactly once, byte for byte");
            match[0].Flags.Should().Be(message.Flags, $"flags of {message.MessageId} in {message.Folder}");
            match[0].Keywords.Should().Equal(message.Keywords.Where(k => k == "$MDNSent"), $"{message.MessageId} in {message.Folder}: Exchange keeps $MDNSent only");
            match[0].InternalDate.Should().Be(message.InternalDate, $"received date of {message.MessageId} in {message.Folder}");
        }
    }

    /// <summary>Lost and doubled over the users' mailboxes, by (folder, SHA-256) re-read from the target.</summary>
    public async Task<(int Lost, int Doubled)> LossAsync(IEnumerable<string> users, Func<ManifestMessage, bool>? expected = null)
    {
        var (lost, doubled) = (0, 0);
        foreach (var user in users)
        {
            var want = Manifest[user].Messages.Where(expected ?? (_ => true))
                .Select(m => (ExchangeFolders.TryGetValue(m.Folder, out var f) ? f : m.Folder, m.Sha256)).ToList();
            var have = (await TargetMessagesAsync(user)).Select(m => (m.Folder, m.Sha256)).ToList();
            (lost, doubled) = LossCount.Tally(want, have, lost, doubled);
        }

        return (lost, doubled);
    }

    /// <summary>
    /// Lost and doubled across both paths of a routed job: a source message counts once whether IMAP wrote it (its bytes,
    /// in Dovecot) or Graph did (its source SHA-256 in dxmig's property, in the emulator); Dovecot's copies of Graph's
    /// messages are left out, anything else there is extra.
    /// </summary>
    public async Task<(int Lost, int Doubled)> LossAcrossPathsAsync(IEnumerable<string> users)
    {
        var (lost, doubled) = (0, 0);
        foreach (var user in users)
        {
            var want = Manifest[user].Messages.Select(m => ("", m.Sha256)).ToList();
            var sources = want.Select(w => w.Item2).ToHashSet(StringComparer.Ordinal);
            var inDovecot = await TargetMessagesAsync(user);
            var byImap = inDovecot.Where(m => sources.Contains(m.Sha256)).Select(m => ("", m.Sha256)).ToList();
            var byGraph = Graph.Store.AllMessages(Upn(user))
                .Select(m => ("", m.ExtendedProperty(Dxmig.Loaders.Graph.GraphMessageBuilder.Sha256Property) ?? "(none)")).ToList();
            (lost, doubled) = LossCount.Tally(want, byImap.Concat(byGraph), lost, doubled);
            doubled += Math.Max(0, inDovecot.Count - byImap.Count - Exchange.BroughtIn(Upn(user)));
        }

        return (lost, doubled);
    }

    public async ValueTask DisposeAsync()
    {
        Workspace.Dispose();
        await Proxy.DisposeAsync();

        await Exchange.DisposeAsync();
        await Graph.DisposeAsync();
        await Source.DisposeAsync();
    }
}
