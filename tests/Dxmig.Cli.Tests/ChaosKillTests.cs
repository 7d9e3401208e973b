using Dxmig.Platform.Ledger;
using Dxmig.Platform.Pipeline;
using Dxmig.TestSupport;
using Dxmig.TestSupport.Jobs;
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
        var watches = new List<string>();

        for (var kill = 1; kill <= Kills; kill++)
        {
            var before = await LoadedAsync(mail);
            var (process, stdout, stderr) = mail.Cli.StartChildCapturing(MailRunHarness.Job);
            var killedByWatcher = false;
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
                    var watch = await WatchUntilLoadedAsync(mail.Cli.Ledger, Math.Min(total - 1, before + step), process, random.Next(0, 40));
                    killedByWatcher = watch.Killed;
                    watches.Add($"#{kill}: wanted {Math.Min(total - 1, before + step)}, last seen {watch.LastSeen} after {watch.Polls} reads in {watch.Seconds:0.0} s");
                }
            }
            finally
            {
                var exitedByItself = !killedByWatcher && process.HasExited;
                if (!exitedByItself)
                {
                    if (!killedByWatcher)
                    {
                        process.Kill(entireProcessTree: true);
                    }

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
            Kills / 4, $"the kills catch the migration part-done at several points (loaded at each kill: {string.Join(", ", loadedAtKills)}; runs that ended by themselves: {string.Join(" | ", endedByThemselves)}; what the watcher saw: {string.Join(" | ", watches)})");
        lost.Should().Be(0);
        doubled.Should().Be(0);
        reconcile.ExitCode.Should().Be(ExitCodes.Success, reconcile.Output + reconcile.Error);
        var summary = ReportSummary.Read(report);
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

    /// <summary>
    /// Reads the ledger's loaded count every few milliseconds on a thread of its own (not the thread pool, which the other
    /// test classes running meanwhile can starve for seconds: a kill then came after the whole migration had finished),
    /// through one read-only connection, and kills the run as soon as the count reaches <paramref name="loaded"/> (after
    /// <paramref name="delayMs"/> more), or returns when the run has ended by itself.
    /// </summary>
    private static Task<(int LastSeen, int Polls, double Seconds, bool Killed)> WatchUntilLoadedAsync(string ledger, int loaded, System.Diagnostics.Process process, int delayMs) =>
        Task.Factory.StartNew(
            () =>
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                var (lastSeen, polls, killed) = (0, 0, false);
                Microsoft.Data.Sqlite.SqliteConnection? connection = null;
                try
                {
                    while (clock.Elapsed < TimeSpan.FromSeconds(120) && !process.HasExited)
                    {
                        polls++;
                        try
                        {
                            if (connection is null && File.Exists(ledger))
                            {
                                connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={ledger};Mode=ReadOnly;Pooling=False");
                                connection.Open();
                            }

                            if (connection is not null)
                            {
                                using var count = connection.CreateCommand();
                                count.CommandText = "SELECT COUNT(*) FROM ledger_items WHERE \"State\" = 'Loaded'";
                                lastSeen = Convert.ToInt32(count.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
                            }
                        }
                        catch (Microsoft.Data.Sqlite.SqliteException)
                        {
                            // Not created yet, or busy for a moment: read again.
                        }

                        if (lastSeen >= loaded)
                        {
                            Thread.Sleep(delayMs);
                            if (!process.HasExited)
                            {
                                process.Kill(entireProcessTree: true);
                                killed = true;
                            }

                            break;
                        }

                        Thread.Sleep(3);
                    }
                }
                finally
                {
                    connection?.Dispose();
                }

                return (lastSeen, polls, clock.Elapsed.TotalSeconds, killed);
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
}
