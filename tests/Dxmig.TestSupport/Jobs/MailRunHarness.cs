using Dxmig.Sandbox;
using FluentAssertions;
using MailKit;

namespace Dxmig.TestSupport.Jobs;

/// <summary>
/// Two private Dovecot servers (source filled with the Japanese corpus, target empty) and the example job pointed at them
/// through the workspace's environment; the tests run it through the job layer or the command line.
/// </summary>
public sealed class MailRunHarness : IAsyncDisposable
{
    /// <summary>Where the corpus's folders must land on the target (the shipped mappings/mail-folders.yaml).</summary>
    public static readonly IReadOnlyDictionary<string, string> ExpectedFolders = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["送信済み"] = "Sent",
        ["下書き"] = "Drafts",
        ["ごみ箱"] = "Trash",
        ["迷惑メール"] = "Junk",
    };

    private MailRunHarness(DovecotServer source, DovecotServer target, JobWorkspace workspace)
    {
        Source = source;
        Target = target;
        Workspace = workspace;
    }

    public DovecotServer Source { get; }

    public DovecotServer Target { get; }

    public JobWorkspace Workspace { get; }

    public CorpusManifest Manifest { get; private set; } = new([], TimeSpan.Zero);

    public static string Job => Path.Combine(RepoPaths.Root, "jobs", "examples", "mail-imap-to-imap.yaml");

    /// <param name="targetSetup">Changes to the target server's options (its special-use folders, for example).</param>
    public static async Task<MailRunHarness> StartAsync(
        IReadOnlyList<string> users, int messages = 40, long? targetMaxMessageSize = null, Func<DovecotOptions, DovecotOptions>? targetSetup = null,
        Func<DovecotOptions, DovecotOptions>? sourceSetup = null)
    {
        var passwords = users.ToDictionary(u => u, u => $"{u}-pass");
        var sourceOptions = new DovecotOptions { Users = passwords };
        var source = await DovecotServer.StartAsync(sourceSetup is null ? sourceOptions : sourceSetup(sourceOptions));
        var targetOptions = new DovecotOptions { Users = passwords, MaxMessageSize = targetMaxMessageSize };
        var target = await DovecotServer.StartAsync(targetSetup is null ? targetOptions : targetSetup(targetOptions));
        var harness = new MailRunHarness(source, target, new JobWorkspace());
        harness.Manifest = await new JapaneseMailCorpus(new JapaneseMailCorpusOptions { Seed = 5, MessagesPerMailbox = messages }).FillAsync(source, users);
        harness.Workspace.UseImapServer("DXMIG_SRC", source);
        harness.Workspace.UseImapServer("DXMIG_DST", target);
        harness.Workspace.UseMailAccounts(users, u => u);
        return harness;
    }

    /// <summary>A copy of the example job, edited, in the test's folder (its mapping paths made absolute).</summary>
    public string JobVariant(string name, Func<string, string> edit) => Workspace.JobVariant(Job, name, edit);

    public static string TargetFolder(string sourceFolder) => ExpectedFolders.TryGetValue(sourceFolder, out var mapped) ? mapped : sourceFolder;

    /// <summary>Every message on the target mailbox of a user.</summary>
    public async Task<IReadOnlyList<StoredMessage>> TargetMessagesAsync(string user)
    {
        using var client = await Target.ConnectAsMasterAsync(user);
        var messages = await ImapMailboxReader.ReadMessagesAsync(client);
        await client.DisconnectAsync(true);
        return messages;
    }

    public async Task<IReadOnlyList<string>> TargetFoldersAsync(string user)
    {
        using var client = await Target.ConnectAsMasterAsync(user);
        return await ImapMailboxReader.ReadFolderNamesAsync(client);
    }

    /// <summary>Asserts the target holds exactly the expected messages: each once, byte for byte, with its flags, keywords and date.</summary>
    /// <param name="folders">Source folder to target folder where they differ; the shipped mapping's when null.</param>
    public async Task AssertTargetHoldsAsync(string user, IEnumerable<StoredMessage> expectedSource, IReadOnlyDictionary<string, string>? folders = null)
    {
        var actual = await TargetMessagesAsync(user);
        var map = folders ?? ExpectedFolders;
        var expected = expectedSource.Select(m => m with { Folder = map.TryGetValue(m.Folder, out var mapped) ? mapped : m.Folder }).ToList();
        actual.Should().HaveCount(expected.Count, $"{user}: nothing lost, nothing doubled");
        foreach (var message in expected)
        {
            var match = actual.Where(a => a.Folder == message.Folder && a.Sha256 == message.Sha256).ToList();
            match.Should().ContainSingle($"{user}: {message.Folder} holds the message {message.MessageId ?? message.Sha256} exactly once");
            var found = match[0];
            found.Flags.Should().Be(message.Flags, $"flags of {message.MessageId} in {message.Folder}");
            found.Keywords.Should().Equal(message.Keywords, $"keywords of {message.MessageId} in {message.Folder}");
            found.InternalDate.Should().Be(message.InternalDate, $"INTERNALDATE of {message.MessageId} in {message.Folder}");
            found.Size.Should().Be(message.Size);
        }
    }

    public static async Task<IMailFolder> OpenSourceAsync(MailKit.Net.Imap.ImapClient client, string folder)
    {
        var f = await client.GetFolderAsync(folder);
        await f.OpenAsync(FolderAccess.ReadWrite);
        return f;
    }

    public async ValueTask DisposeAsync()
    {
        Workspace.Dispose();
        await Source.DisposeAsync();
        await Target.DisposeAsync();
    }
}
