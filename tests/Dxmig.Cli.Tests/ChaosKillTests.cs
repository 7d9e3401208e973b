using Dxmig.Platform.Ledger;
using Dxmig.Platform.Pipeline;
using Dxmig.TestSupport;
using Xunit.Abstractions;

namespace Dxmig.Cli.Tests;

/// <summary>
/// The long part of the fault suite (category <c>chaos</c>, run by test.sh like every other test): a 5,000-message
/// IMAP → IMAP migration whose <c>dxmig run</c> process is killed with SIGKILL twenty times at seeded random moments,
/// each kill followed by a resumed run; then the target is re-read message by message and <c>dxmig reconcile</c> must
/// balance. One kill in four lands at a random time after the process starts (some before it has logged in), the others at
/// a random point of the remaining work, so that the kills fall inside the migration rather than after it.
/// </summary>
[Trait("Category", "chaos")]
public sealed class ChaosKillTests(ITestOutputHelper log)
{
    private const int Kills = 20;
    private const int Mailboxes = 10;
    private const int MessagesPerMailbox = 500;

    [Fact]
    public async Task Run_KilledTwentyTimesDuringAFiveThousandMessageMigration_LosesAndDoublesNothing()
    {
        var users = Enumerable.Range(1, Mailboxes).Select(i => $"chaos{i:00}").ToList();
        await using var mail = await MailRunHarness.StartAsync(users, messages: MessagesPerMailbox);
        var total = mail.Manifest.Messages.Count();
        total.Should().BeGreaterThanOrEqualTo(5_000);
        var random = new Random(20261126);
        var killedMidRun = 0;
        var loadedAtKills = new List<int>();
        var endedByThemselves = new List<string>();

        for (var kill = 1; kill <= Kills; kill++)
        {
            var before = await LoadedAsync(mail);
            var (process, stdout, stderr) = mail.Cli.StartChildCapturing(MailRunHarness.Job);
            try
            {
                if (kill % 4 == 1)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(random.Next(150, 1_500)));
                }
                else
                {
                    var remaining = total - before;
                    var step = Math.Max(1, random.Next(1, Math.Max(2, 2 * remaining / (Kills - kill + 2))));
                    await WaitUntilLoadedOrExitedAsync(mail, Math.Min(total - 1, before + step), process);
                    await Task.Delay(random.Next(0, 40));
                }
            }
            finally
            {
                var exitedByItself = process.HasExited;
                if (!exitedByItself)
                {
                    process.Kill(entireProcessTree: true);
                    killedMidRun++;
                }

                await process.WaitForExitAsync();
                if (exitedByItself)
                {
                    var text = await stdout + await stderr;
                    log.WriteLine($"kill {kill}: the run had ended by itself (exit {process.ExitCode}): {(text.Length > 600 ? text[^600..] : text)}");
                    endedByThemselves.Add($"#{kill} exit {process.ExitCode}: {(text.Length > 300 ? text[^300..] : text)}");
                }

                process.Dispose();
            }

            var loaded = await LoadedAsync(mail);
            loadedAtKills.Add(loaded);
            log.WriteLine($"kill {kill}: loaded {before} → {loaded} of {total}");
        }

        var (code, output, error) = await mail.RunAsync();
        code.Should().Be(ExitCodes.Success, output + error);

        var (lost, doubled) = (0, 0);
        foreach (var mailbox in mail.Manifest.Mailboxes)
        {
            var want = mailbox.Messages.GroupBy(m => (MailRunHarness.TargetFolder(m.Folder), m.Sha256)).ToDictionary(g => g.Key, g => g.Count());
            var have = (await mail.TargetMessagesAsync(mailbox.User)).GroupBy(m => (m.Folder, m.Sha256)).ToDictionary(g => g.Key, g => g.Count());
            lost += want.Sum(w => Math.Max(0, w.Value - have.GetValueOrDefault(w.Key)));
            doubled += have.Sum(h => Math.Max(0, h.Value - want.GetValueOrDefault(h.Key)));
        }

        var report = Path.Combine(mail.Cli.Folder, "report");
        var reconcile = await mail.Cli.RunAsync("reconcile", MailRunHarness.Job, "--out", report);
        var line = ChaosTally.Record("imap→imap, 20 × SIGKILL of dxmig run, each resumed", faults: 0, killedMidRun, runs: Kills + 1, total, lost, doubled);
        log.WriteLine(line);

        killedMidRun.Should().BeGreaterThanOrEqualTo(Kills - 2, "the kills must land while the run is still working");
        loadedAtKills.Where(l => l > 0 && l < total).Distinct().Count().Should().BeGreaterThanOrEqualTo(
            Kills / 4, $"the kills catch the migration part-done at several points (loaded at each kill: {string.Join(", ", loadedAtKills)}; runs that ended by themselves: {string.Join(" | ", endedByThemselves)})");
        lost.Should().Be(0);
        doubled.Should().Be(0);
        reconcile.ExitCode.Should().Be(ExitCodes.Success, reconcile.Output + reconcile.Error);
        var summary = ReconcileAddressBookTests.Summary(report);
        summary["totals"]!["missing"]!.GetValue<long>().Should().Be(0);
        summary["totals"]!["doubled"]!.GetValue<long>().Should().Be(0);
        var states = await mail.Cli.LedgerStatesAsync();
        states[ItemState.Loaded].Should().Be(total);
    }

    /// <summary>Loaded items in the ledger: 0 before the run has created it; a read that meets a lock (a run writing) is tried again.</summary>
    private static async Task<int> LoadedAsync(MailRunHarness mail)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return (await mail.Cli.LedgerStatesAsync()).GetValueOrDefault(ItemState.Loaded);
            }
            catch (Microsoft.Data.Sqlite.SqliteException ex) when (ex.Message.Contains("no such table", StringComparison.Ordinal))
            {
                return 0; // the run has not created its ledger yet
            }
            catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or InvalidOperationException && attempt < 40)
            {
                await Task.Delay(50); // locked by the run for a moment
            }
        }
    }

    private static async Task WaitUntilLoadedOrExitedAsync(MailRunHarness mail, int loaded, System.Diagnostics.Process process)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (DateTime.UtcNow < deadline && !process.HasExited && await LoadedAsync(mail) < loaded)
        {
            await Task.Delay(15);
        }
    }
}
