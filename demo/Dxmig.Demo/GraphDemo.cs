using Dxmig.Jobs;
using System.Globalization;
using Dxmig.Cli.Console;
using Dxmig.GraphEmulator;
using Dxmig.Loaders.Graph;
using Dxmig.Contracts.Mappings;
using Dxmig.Platform.Pipeline;
using Dxmig.Sandbox;
using MailKit;
using Spectre.Console;

namespace Dxmig.Demo;

/// <summary>
/// The demo's Exchange Online part: the mail demo's source mailboxes → the Graph emulator as the sandbox tenant, through
/// <c>jobs/demo-mail-graph.yaml</c> and the real Graph SDK stack, twice; then every message is read back from the
/// emulator: once each (by the source SHA-256 dxmig stores on it), received mail rather than a draft (unless it was one),
/// received time = INTERNALDATE, read and flagged state; and the second run must make no create call.
/// </summary>
internal static class GraphDemo
{
    public const string JobPath = "jobs/demo-mail-graph.yaml";

    public static async Task<bool> RunAsync(
        CliIo io, string repo, string state, DovecotServer source, IdentityMap identities, CorpusManifest manifest, IReadOnlyDictionary<string, string> sourceVariables,
        Func<IReadOnlyDictionary<string, string>, Func<string, string?>> overlay, CancellationToken stopToken)
    {
        io.Console.Write(new Rule("[bold]メール: Active! Mail → Exchange Online (Graph のサンドボックス) / mail: Active! Mail → Exchange Online (Graph sandbox)[/]").LeftJustified());
        var users = manifest.Mailboxes.Select(m => identities.TargetOf(m.User)).ToList();
        await using var graph = await GraphEmulator.GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = users }, stopToken);
        io.Console.MarkupLine(Markup.Escape($"サンドボックス テナント / sandbox tenant: {graph.BaseUrl} (Graph エミュレーター、証明書 / certificate SHA-256 {graph.CertificateSha256[..23]}…)"));
        var graphState = Path.Combine(state, "..", "mail-graph");
        if (Directory.Exists(graphState))
        {
            Directory.Delete(graphState, recursive: true);
        }

        Directory.CreateDirectory(graphState);
        var variables = new Dictionary<string, string>(sourceVariables.Concat(graph.JobEnvironment())) { ["DXMIG_LEDGER"] = Path.Combine(graphState, "ledger.db") };
        var environment = overlay(variables);
        var graphIo = new CliIo(io.Output, io.Error, io.Interactive, environment, io.Time);
        var job = Path.Combine(repo, JobPath);

        io.Console.Write(new Rule("[bold]Graph 1 回目の実行 / Graph: first run[/]").LeftJustified());
        var first = await CliJobConsole.RunJobAsync(graphIo, new JobRunOptions(job), stopToken);
        var createsAfterFirst = users.Sum(graph.Stats.CreateCallsFor);
        io.Console.Write(new Rule("[bold]Graph 2 回目の実行 (何も変わらないはず) / Graph: second run (should change nothing)[/]").LeftJustified());
        var second = await CliJobConsole.RunJobAsync(graphIo, new JobRunOptions(job), stopToken);
        var secondCreates = users.Sum(graph.Stats.CreateCallsFor) - createsAfterFirst;
        if (stopToken.IsCancellationRequested)
        {
            return false;
        }

        io.Console.Write(new Rule("[bold]Graph の確認 / Graph check[/]").LeftJustified());
        var table = new Table().Border(TableBorder.Rounded).Title("移行元と Exchange Online (エミュレーター) / source vs Exchange Online (emulator)");
        foreach (var header in new[] { "移行先 / target mailbox", "元 / source", "先 / target", "重複 / doubled", "下書きでない / not drafts", "日時・既読・フラグ / dates, read, flag", "結果 / result" })
        {
            table.AddColumn(header, c => c.Alignment = header.StartsWith("移行先", StringComparison.Ordinal) ? Justify.Left : Justify.Right);
        }

        var allOk = true;
        foreach (var mailbox in manifest.Mailboxes)
        {
            var upn = identities.TargetOf(mailbox.User);
            var stored = graph.Store.AllMessages(upn);
            var bySha = stored.ToLookup(m => m.ExtendedProperty(GraphMessageBuilder.Sha256Property) ?? string.Empty, StringComparer.Ordinal);
            var doubled = bySha.Sum(g => Math.Max(0, g.Count() - 1));
            var missing = mailbox.Messages.Count(m => !bySha.Contains(m.Sha256));
            var receivedMail = mailbox.Messages.Count(m => bySha[m.Sha256].FirstOrDefault() is { } s && s.IsDraft == m.Flags.HasFlag(MessageFlags.Draft));
            var properties = mailbox.Messages.Count(m => bySha[m.Sha256].FirstOrDefault() is { } s
                && s.ReceivedDateTime == m.InternalDate && s.IsRead == m.Flags.HasFlag(MessageFlags.Seen)
                && s.FlagStatus == (m.Flags.HasFlag(MessageFlags.Flagged) ? "flagged" : "notFlagged"));
            var ok = missing == 0 && doubled == 0 && stored.Count == mailbox.Messages.Count && receivedMail == stored.Count && properties == stored.Count;
            allOk &= ok;
            table.AddRow(
                Markup.Escape(upn), Units.Count(mailbox.Messages.Count), Units.Count(stored.Count), doubled.ToString(CultureInfo.InvariantCulture),
                Units.Count(receivedMail), Units.Count(properties), ok ? "[green]一致 / match[/]" : "[red]不一致 / MISMATCH[/]");
        }

        io.Console.Write(table);
        io.Console.MarkupLine(Markup.Escape(
            $"2 回目の実行の作成要求 / create calls in the second run: {secondCreates} — {(secondCreates == 0 ? "何も作らず / created nothing" : "想定外 / UNEXPECTED")}"));
        io.Console.MarkupLine(Markup.Escape(
            $"Graph への要求 / Graph requests: {Units.Count(users.Sum(u => graph.Stats.Mailbox(u).Requests))}, 429: {Units.Count(graph.Stats.TotalThrottled)}"));
        var graphOk = first == ExitCodes.Success && second == ExitCodes.Success && allOk && secondCreates == 0;
        var exoOk = await ExoImapDemo.RunAsync(io, repo, state, graph, identities, manifest, sourceVariables, overlay, stopToken);
        return graphOk && exoOk;
    }
}
