using System.Globalization;
using System.Security.Cryptography;
using Dxmig.Cli.Console;
using Dxmig.Contracts.Mappings;
using Dxmig.Jobs;
using Dxmig.Platform.Pipeline;
using Dxmig.Sandbox;
using Spectre.Console;

namespace Dxmig.Demo;

/// <summary>
/// The demo's byte-exact path into Exchange Online, beside the Graph path: the same source mailboxes → the exo-imap
/// sandbox (a Dovecot that validates the app's XOAUTH2 tokens with the Graph emulator's token service, with a Japanese
/// Exchange mailbox's special folders), through <c>jobs/demo-mail-exo-imap.yaml</c>, twice; then every message is read
/// back: once each, byte for byte (the same SHA-256 as the source), in the mailbox's own special folders; the second run
/// appends nothing. The table beside it counts how many messages each path kept byte for byte.
/// </summary>
internal static class ExoImapDemo
{
    public const string JobPath = "jobs/demo-mail-exo-imap.yaml";

    private static readonly Dictionary<string, string> Folders = new(StringComparer.Ordinal)
    {
        ["送信済み"] = "送信済みアイテム", ["下書き"] = "下書き", ["ごみ箱"] = "削除済みアイテム", ["迷惑メール"] = "迷惑メール",
    };

    public static async Task<bool> RunAsync(
        CliIo io, string repo, string state, GraphEmulator.GraphEmulator graph, IdentityMap identities, CorpusManifest manifest,
        IReadOnlyDictionary<string, string> sourceVariables, Func<IReadOnlyDictionary<string, string>, Func<string, string?>> overlay, CancellationToken stopToken)
    {
        io.Console.Write(new Rule("[bold]メール: Active! Mail → Exchange Online (IMAP、アプリの OAuth、バイト単位) / mail: → Exchange Online over IMAP (app OAuth, byte for byte)[/]").LeftJustified());
        var users = manifest.Mailboxes.Select(m => identities.TargetOf(m.User)).ToList();
        await using var target = await DovecotServer.StartAsync(new DovecotOptions
        {
            Users = users.ToDictionary(u => u, _ => Convert.ToHexString(RandomNumberGenerator.GetBytes(12))),
            SpecialUseFolders = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["送信済みアイテム"] = @"\Sent", ["下書き"] = @"\Drafts", ["削除済みアイテム"] = @"\Trash", ["迷惑メール"] = @"\Junk", ["アーカイブ"] = @"\Archive",
            },
            CreateSpecialUseFolders = true,
            OAuth2 = new DovecotOAuth2Options
            {
                IntrospectionUrl = new Uri(graph.ExchangeIntrospectionUrl),
                CaCertificatePem = graph.CertificatePem,
                TenantId = graph.TenantId,
                Audience = GraphEmulator.GraphEmulator.ExchangeResource,
                MailboxesWithAccess = users,
            },
        });
        io.Console.MarkupLine(Markup.Escape($"サンドボックス / sandbox: IMAP {target.Host}:{target.Port} (Dovecot がトークンを検証 / Dovecot validates the tokens with the emulator's token service)"));
        var exoState = Path.Combine(state, "..", "mail-exo-imap");
        if (Directory.Exists(exoState))
        {
            Directory.Delete(exoState, recursive: true);
        }

        Directory.CreateDirectory(exoState);
        var variables = new Dictionary<string, string>(sourceVariables.Concat(graph.JobEnvironment()))
        {
            ["DXMIG_LEDGER"] = Path.Combine(exoState, "ledger.db"),
            ["DXMIG_EXO_IMAP_HOST"] = target.Host,
            ["DXMIG_EXO_IMAP_PORT"] = target.Port.ToString(CultureInfo.InvariantCulture),
        };
        var exoIo = new CliIo(io.Output, io.Error, io.Interactive, overlay(variables), io.Time);
        var job = Path.Combine(repo, JobPath);

        io.Console.Write(new Rule("[bold]IMAP (Exchange) 1 回目の実行 / IMAP (Exchange): first run[/]").LeftJustified());
        var first = await CliJobConsole.RunJobAsync(exoIo, new JobRunOptions(job), stopToken);
        io.Console.Write(new Rule("[bold]IMAP (Exchange) 2 回目の実行 (何も変わらないはず) / IMAP (Exchange): second run (should change nothing)[/]").LeftJustified());
        var messagesBefore = await CountAsync(target, users, stopToken);
        var second = await CliJobConsole.RunJobAsync(exoIo, new JobRunOptions(job), stopToken);
        var appendedAgain = await CountAsync(target, users, stopToken) - messagesBefore;
        if (stopToken.IsCancellationRequested)
        {
            return false;
        }

        io.Console.Write(new Rule("[bold]二つの経路の比較 / the two paths compared[/]").LeftJustified());
        var table = new Table().Border(TableBorder.Rounded).Title("バイト単位で同じまま届いたメッセージ / messages that arrived byte for byte");
        foreach (var header in new[] { "移行先 / target mailbox", "元 / source", "IMAP: 届いた / arrived", "IMAP: バイト一致 / byte-exact", "Graph: バイト一致 / byte-exact", "結果 / result" })
        {
            table.AddColumn(header, c => c.Alignment = header.StartsWith("移行先", StringComparison.Ordinal) ? Justify.Left : Justify.Right);
        }

        var allOk = true;
        foreach (var mailbox in manifest.Mailboxes)
        {
            var upn = identities.TargetOf(mailbox.User);
            using var client = await target.ConnectAsMasterAsync(upn, stopToken);
            var stored = await ImapMailboxReader.ReadMessagesAsync(client, stopToken);
            await client.DisconnectAsync(true, stopToken);
            var want = mailbox.Messages.Select(m => (Folders.TryGetValue(m.Folder, out var f) ? f : m.Folder, m.Sha256)).ToHashSet();
            var exact = stored.Count(m => want.Contains((m.Folder, m.Sha256)));
            var sources = mailbox.Messages.Select(m => m.Sha256).ToHashSet(StringComparer.Ordinal);
            var graphExact = graph.Store.AllMessages(upn).Count(m => sources.Contains(Convert.ToHexStringLower(SHA256.HashData(m.RenderMime()))));
            var ok = stored.Count == mailbox.Messages.Count && exact == stored.Count;
            allOk &= ok;
            table.AddRow(
                Markup.Escape(upn), Units.Count(mailbox.Messages.Count), Units.Count(stored.Count), Units.Count(exact), Units.Count(graphExact),
                ok ? "[green]一致 / match[/]" : "[red]不一致 / MISMATCH[/]");
        }

        io.Console.Write(table);
        io.Console.MarkupLine(Markup.Escape(
            "IMAP の経路はメッセージのバイトをそのまま残します (S/MIME 署名も検証可能)。Graph は JSON から作り直すため一致しません / "
            + "the IMAP path keeps every byte (S/MIME signatures still verify); Graph re-creates each message from JSON, so none match"));
        io.Console.MarkupLine(Markup.Escape(
            $"2 回目の実行の追加 / messages added by the second run: {appendedAgain} — {(appendedAgain == 0 ? "何も追加せず / added nothing" : "想定外 / UNEXPECTED")}"));
        return first == ExitCodes.Success && second == ExitCodes.Success && allOk && appendedAgain == 0;
    }

    private static async Task<int> CountAsync(DovecotServer target, IEnumerable<string> users, CancellationToken stopToken)
    {
        var total = 0;
        foreach (var user in users)
        {
            using var client = await target.ConnectAsMasterAsync(user, stopToken);
            total += (await ImapMailboxReader.ReadMessagesAsync(client, stopToken)).Count;
            await client.DisconnectAsync(true, stopToken);
        }

        return total;
    }
}
