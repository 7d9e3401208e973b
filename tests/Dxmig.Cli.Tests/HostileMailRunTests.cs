using System.Diagnostics;
using System.Globalization;
using Dxmig.Loaders.Graph;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Pipeline;
using Dxmig.Sandbox;
using Dxmig.TestSupport;
using Dxmig.TestSupport.Jobs;
using Xunit.Abstractions;

namespace Dxmig.Cli.Tests;

/// <summary>
/// The hostile-input corpus (<see cref="HostileMailCorpus"/>) through a real run: malformed boundaries, 50-deep
/// message/rfc822, 8-bit and NUL header bytes, 1 MB lines, 10,000 attachments, a 200 MB message and awkward folder
/// names. Every message the source server holds (re-read, since the server may itself have changed bytes it stored)
/// must end loaded and found on the target by its SHA-256, or quarantined or skipped with a named reason; nothing else
/// may be on the target; the run must end within a bounded time, and the IMAP run's process within bounded memory.
/// </summary>
[Trait("Category", "chaos")]
public sealed class HostileMailRunTests(ITestOutputHelper log)
{
    private const string User = "hostile";
    private static readonly TimeSpan RunBound = TimeSpan.FromMinutes(5);

    /// <summary>Peak resident memory allowed for the run process: well under the 200 MB message it copies.</summary>
    private const long PeakBound = HostileMailCorpus.HugeBytes;

    [Fact]
    public async Task Run_HostileCorpusImapToImap_EachMessageByteExactOrQuarantinedInBoundedTimeAndMemory()
    {
        await using var mail = await MailRunHarness.StartAsync([User], messages: 5);
        var (names, folders) = await new HostileMailCorpus(includeHuge: true).FillAsync(mail.Source, User);
        var source = await ReadAsync(mail.Source);
        source.Select(m => m.HostileName).Should().Contain(names, "every hostile message is on the source");

        var clock = Stopwatch.StartNew();
        var (process, output, error) = mail.Cli.StartChildCapturing(MailRunHarness.Job);
        var peak = await PeakWhileRunningAsync(process, RunBound);
        clock.Stop();
        var code = process.ExitCode;
        log.WriteLine(await output + await error);
        log.WriteLine($"run {clock.Elapsed.TotalSeconds:0.0} s, exit {code}, peak RSS (VmHWM) {peak / 1024 / 1024} MB");

        code.Should().BeOneOf(ExitCodes.Success, ExitCodes.Quarantined);
        clock.Elapsed.Should().BeLessThan(RunBound);
        peak.Should().BeGreaterThan(0).And.BeLessThan(PeakBound, "the 200 MB message is streamed through a file, not held in memory");

        var target = await ReadAsync(mail.Target);
        var ledger = await mail.Workspace.LedgerItemsAsync();
        var outcome = Verify(source, ledger, item => ImapTarget(item, target), target.Count);

        foreach (var name in names)
        {
            outcome[name].Should().Be(ItemState.Loaded, $"{name}: an IMAP target takes what an IMAP source holds, byte for byte");
        }

        foreach (var folder in folders)
        {
            var item = ledger.Single(i => i.Container == folder);
            item.State.Should().Be(ItemState.Loaded, $"folder {folder}");
            var landed = ImapTarget(item, target)!.Value.Folder;
            log.WriteLine($"folder '{folder}' → '{landed}'{(item.Message is null ? string.Empty : " (" + item.Message + ")")}");
            (landed == folder || item.Message is not null).Should().BeTrue($"folder '{folder}' landed as '{landed}': a changed name is recorded");
        }

        Tally("imap→imap, hostile corpus (200 MB, 10,000 attachments, 50-deep rfc822, NUL, 1 MB lines, odd folders)", source, ledger, target.Count);
    }

    [Fact]
    public async Task Run_HostileCorpusImapToGraph_EachMessageLoadedOrQuarantinedWithReason()
    {
        await using var mail = await MailGraphHarness.StartAsync([User], messages: 5);
        var (names, folders) = await new HostileMailCorpus(includeHuge: true).FillAsync(mail.Source, User);
        var source = await ReadAsync(mail.Source);

        var clock = Stopwatch.StartNew();
        var (code, output, error) = await mail.RunAsync();
        clock.Stop();
        log.WriteLine(output + error);
        log.WriteLine($"run {clock.Elapsed.TotalSeconds:0.0} s, exit {code}");

        code.Should().BeOneOf(ExitCodes.Success, ExitCodes.Quarantined);
        clock.Elapsed.Should().BeLessThan(RunBound);
        var stored = mail.Graph.Store.AllMessages(MailGraphHarness.Upn(User));
        var ledger = await mail.Cli.Workspace.LedgerItemsAsync();
        var outcome = Verify(source, ledger, item => GraphTarget(item, stored), stored.Count);

        var huge = ledger.Single(i => i.State == ItemState.Quarantined && source.Any(s => s.HostileName == "huge-200mb" && i.NativeId.EndsWith(":" + s.Uid.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal) && i.Container == s.Folder));
        huge.Code.Should().Be("too-large-for-target");
        huge.Message.Should().Contain("36,700,160", "the reason names Exchange Online's limit");
        foreach (var name in names.Where(n => n != "huge-200mb"))
        {
            outcome[name].Should().Be(ItemState.Loaded, $"{name} is within Graph's limits");
        }

        // Graph documents no limit on the number of attachments of a message created through the API (Exchange Online's
        // 250 is a transport limit for sending): all 10,000 must be on the message, none dropped on the way.
        var many = source.Single(s => s.HostileName == "attachments-10000");
        stored.Single(m => m.ExtendedProperty(GraphMessageBuilder.Sha256Property) == many.Sha256).Attachments
            .Count(a => a.Name.StartsWith('a') && a.Name.EndsWith(".txt", StringComparison.Ordinal)).Should().Be(HostileMailCorpus.AttachmentCount);

        foreach (var folder in folders)
        {
            var item = ledger.Single(i => i.Container == folder);
            item.State.Should().BeOneOf(ItemState.Loaded, ItemState.Quarantined);
            var where = item.State == ItemState.Loaded ? mail.FolderPath(User, GraphTarget(item, stored)!.Value.ParentFolderId) : item.Code;
            log.WriteLine($"folder '{folder}' → {item.State} '{where}'{(item.Message is null ? string.Empty : " (" + item.Message + ")")}");
        }

        Tally("imap→graph, hostile corpus (200 MB over the 35 MB limit, 10,000 attachments, odd folders)", source, ledger, stored.Count);
    }

    /// <summary>
    /// Each source message has exactly one ledger row; a loaded one is on the target with its SHA-256, a quarantined or
    /// skipped one has a reason code and a sentence; the target holds nothing beyond the loaded ones. Returns the state
    /// of each hostile message by name.
    /// </summary>
    private Dictionary<string, ItemState> Verify(IReadOnlyList<HeldMessage> source, List<LedgerItem> ledger, Func<LedgerItem, (string Folder, string Sha256, string ParentFolderId)?> onTarget, int targetCount)
    {
        var byName = new Dictionary<string, ItemState>(StringComparer.Ordinal);
        foreach (var message in source)
        {
            var uid = ":" + message.Uid.ToString(CultureInfo.InvariantCulture);
            var rows = ledger.Where(i => i.Container == message.Folder && i.NativeId.EndsWith(uid, StringComparison.Ordinal)).ToList();
            var label = $"{message.Folder} UID {message.Uid} ({message.HostileName ?? "ordinary"})";
            rows.Should().ContainSingle($"{label} has one ledger row: no silent drop");
            var row = rows[0];
            if (row.State == ItemState.Loaded)
            {
                var found = onTarget(row);
                found.Should().NotBeNull($"{label} is loaded, so its target key {row.TargetKey} must name a message on the target");
                found!.Value.Sha256.Should().Be(message.Sha256, $"{label} arrives byte for byte");
            }
            else
            {
                row.State.Should().BeOneOf(ItemState.Quarantined, ItemState.Skipped);
                row.Code.Should().NotBeNullOrWhiteSpace($"{label} has a reason code");
                row.Message.Should().NotBeNullOrWhiteSpace($"{label} has a reason a person reads");
                log.WriteLine($"{label}: {row.State} {row.Code}: {row.Message}");
            }

            if (message.HostileName is { } name)
            {
                byName[name] = row.State;
            }
        }

        var loaded = ledger.Count(i => i.State == ItemState.Loaded);
        (loaded + ledger.Count(i => i.State is ItemState.Quarantined or ItemState.Skipped)).Should().Be(source.Count, "source = loaded + quarantined + skipped");
        targetCount.Should().Be(loaded, "the target holds the loaded messages and nothing else");
        return byName;
    }

    private static (string Folder, string Sha256, string ParentFolderId)? ImapTarget(LedgerItem item, IReadOnlyList<HeldMessage> target)
    {
        var parts = item.TargetKey?.Split(':', 4);
        if (parts is not { Length: 4 } || parts[0] != "imap")
        {
            return null;
        }

        var uid = uint.Parse(parts[2], CultureInfo.InvariantCulture);
        return target.SingleOrDefault(t => t.Folder == parts[3] && t.Uid == uid) is { } held ? (held.Folder, held.Sha256, string.Empty) : null;
    }

    private static (string Folder, string Sha256, string ParentFolderId)? GraphTarget(LedgerItem item, IReadOnlyList<GraphEmulator.StoredMessage> stored)
    {
        var id = GraphMailLoader.MessageId(item.TargetKey);
        return stored.SingleOrDefault(m => m.Id == id) is { } message
            ? (string.Empty, message.ExtendedProperty(GraphMessageBuilder.Sha256Property) ?? "(none)", message.ParentFolderId)
            : null;
    }

    private static async Task<IReadOnlyList<HeldMessage>> ReadAsync(DovecotServer server)
    {
        using var client = await server.ConnectAsMasterAsync(User);
        var messages = await HostileMailCorpus.ReadAsync(client);
        await client.DisconnectAsync(true);
        return messages;
    }

    /// <summary>Waits for the process to end, reading its peak resident set (VmHWM) as it runs; kills it past the bound.</summary>
    private static async Task<long> PeakWhileRunningAsync(Process process, TimeSpan bound)
    {
        var deadline = DateTime.UtcNow + bound;
        long peak = 0;
        var status = $"/proc/{process.Id.ToString(CultureInfo.InvariantCulture)}/status";
        while (!process.HasExited && DateTime.UtcNow < deadline)
        {
            try
            {
                var line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
                if (line is not null)
                {
                    peak = Math.Max(peak, long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024);
                }
            }
            catch (IOException)
            {
                // Ended between the check and the read.
            }

            await Task.Delay(100);
        }

        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new Xunit.Sdk.XunitException($"the run did not end within {bound}: a hang");
        }

        await process.WaitForExitAsync();
        return peak;
    }

    private void Tally(string scenario, IReadOnlyList<HeldMessage> source, List<LedgerItem> ledger, int targetCount)
    {
        var loaded = ledger.Count(i => i.State == ItemState.Loaded);
        var settled = loaded + ledger.Count(i => i.State is ItemState.Quarantined or ItemState.Skipped);
        var reasons = ledger.Where(i => i.State is ItemState.Quarantined or ItemState.Skipped)
            .GroupBy(i => i.Code ?? "(none)").ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var line = ChaosTally.Record(scenario, faults: 0, kills: 0, runs: 1, source.Count,
            lost: Math.Max(0, source.Count - settled) + Math.Max(0, loaded - targetCount), doubled: Math.Max(0, targetCount - loaded), reasons);
        log.WriteLine(line);
    }
}
