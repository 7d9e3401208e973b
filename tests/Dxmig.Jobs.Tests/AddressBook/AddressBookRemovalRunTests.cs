using System.Text;
using Dxmig.Jobs.Tests.Harness;
using Dxmig.Loaders.PlatformStore;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Pipeline;
using Dxmig.Platform.Storage;
using Dxmig.TestSupport;
using Dxmig.TestSupport.Jobs;
using Microsoft.EntityFrameworkCore;
using MimeKit;

namespace Dxmig.Jobs.Tests.AddressBook;

/// <summary>Address-book exports written contact by contact, so a test removes exactly the ones it names.</summary>
internal static class AddressBookExports
{
    public const string Header = "名前,ふりがな,メールアドレス,組織名,部署,電話1\r\n";

    public static string Email(string account, int i) => $"c{i:00}.{account}@example.jp";

    /// <summary>Writes <c>{account}.csv</c> holding the contacts numbered <paramref name="contacts"/>.</summary>
    public static void Write(string folder, string account, IEnumerable<int> contacts)
    {
        Directory.CreateDirectory(folder);
        var text = new StringBuilder(Header);
        foreach (var i in contacts)
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"髙橋 {i:00}郎,たかはし,{Email(account, i)},㈱みらい,総務課,03-1234-56{i:00}\r\n");
        }

        File.WriteAllText(Path.Combine(folder, account + ".csv"), text.ToString(), new UTF8Encoding(true));
    }

    /// <summary>The job's target section with the deletion threshold set.</summary>
    public static string WithThreshold(string job, string setting)
    {
        var text = File.ReadAllText(job);
        var edited = text.Replace("  store: ../state/platform.db", "  store: ../state/platform.db\n  " + setting, StringComparison.Ordinal);
        edited.Should().NotBe(text);
        File.WriteAllText(job, edited);
        return job;
    }

    /// <summary>
    /// Two accounts of ten contacts loaded; four removed (two each), over <c>delete-threshold: 3</c>: held, listed, the run
    /// "needs attention"; one comes back in the export; <c>--confirm-deletes</c> of that run removes the other three only.
    /// </summary>
    public static async Task HeldThenConfirmedAsync(JobLayer jobs, string job, Func<Task<int>> contacts, Func<Task<List<LedgerItem>>> ledger, string logs)
    {
        var exports = jobs.Workspace.Exports;
        Write(exports, "tanaka", Enumerable.Range(0, 10));
        Write(exports, "suzuki", Enumerable.Range(0, 10));
        var first = await jobs.RunAsync(job);
        first.ExitCode.Should().Be(ExitCodes.Success, first.Explain);
        (await contacts()).Should().Be(20);

        Write(exports, "tanaka", Enumerable.Range(2, 8));
        Write(exports, "suzuki", Enumerable.Range(0, 8));
        var held = await jobs.RunAsync(job);

        held.ExitCode.Should().Be(ExitCodes.Quarantined, held.Explain);
        held.Run.Outcome.Should().Be(RunOutcome.CompletedWithWarnings);
        held.Run.Removed.Should().Be(0);
        held.Run.Message.Should().Contain("要確認").And.Contain("--confirm-deletes " + held.Run.RunId);
        held.Account("tanaka").Warnings.Should().ContainSingle().Which.Should().Contain("連絡先 4 件").And.Contain("2 of this account");
        (await contacts()).Should().Be(20, "nothing is removed over the threshold");
        var pending = Path.Combine(logs, $"pending-deletions-{held.Run.RunId}.csv");
        var lines = File.ReadAllLines(pending);
        lines[0].Should().Be("account/contact,target_key");
        lines.Skip(1).Select(l => l.Split(',')[0]).Should().BeEquivalentTo(
            $"suzuki/髙橋 08郎<{Email("suzuki", 8)}>", $"suzuki/髙橋 09郎<{Email("suzuki", 9)}>",
            $"tanaka/髙橋 00郎<{Email("tanaka", 0)}>", $"tanaka/髙橋 01郎<{Email("tanaka", 1)}>");

        // Meanwhile tanaka's first contact is back in the export: confirming the list must not remove it.
        Write(exports, "tanaka", Enumerable.Range(0, 1).Concat(Enumerable.Range(2, 8)));
        var confirmed = await jobs.RunAsync(job, confirmDeletes: held.Run.RunId);

        confirmed.ExitCode.Should().Be(ExitCodes.Success, confirmed.Explain);
        confirmed.Run.Removed.Should().Be(3);
        confirmed.Balanced.Should().BeTrue();
        (await contacts()).Should().Be(17);
        var removed = (await ledger()).Where(i => i.State == ItemState.Removed).Select(i => $"{i.Account}/{i.NativeId}").ToList();
        removed.Should().BeEquivalentTo(lines.Skip(1).Select(l => l.Split(',')[0]).Where(id => !id.StartsWith("tanaka/髙橋 00郎", StringComparison.Ordinal)));

        var again = await jobs.RunAsync(job);
        again.ExitCode.Should().Be(ExitCodes.Success, again.Explain);
        again.Run.Removed.Should().Be(0, "removed once");
        (await contacts()).Should().Be(17);
    }
}

/// <summary>Contacts gone from an export removed from the platform store (SQLite), under the run-wide deletion threshold, through the job layer.</summary>
public sealed class AddressBookRemovalRunTests : IDisposable
{
    private readonly JobWorkspace workspace = new();
    private readonly JobLayer jobs;

    public AddressBookRemovalRunTests() => jobs = new JobLayer(workspace);

    public void Dispose() => workspace.Dispose();

    private string Logs => Path.Combine(workspace.Folder, "logs", "test-addressbook");

    [Fact]
    public async Task Run_ContactGoneFromExport_IsRemovedFromTheStore_ClosedAsRemoved_AndReconciledClean()
    {
        AddressBookExports.Write(workspace.Exports, "tanaka", Enumerable.Range(0, 10));
        AddressBookExports.Write(workspace.Exports, "suzuki", Enumerable.Range(0, 10));
        var job = workspace.JobFile();
        (await jobs.RunAsync(job)).ExitCode.Should().Be(ExitCodes.Success);

        AddressBookExports.Write(workspace.Exports, "tanaka", Enumerable.Range(1, 9));
        var run = await jobs.RunAsync(job);

        run.ExitCode.Should().Be(ExitCodes.Success, run.Explain);
        run.Run.Removed.Should().Be(1);
        run.Account("tanaka").Removed.Should().Be(1);
        run.Balanced.Should().BeTrue();
        (await workspace.CountContactsAsync()).Should().Be(19);
        (await workspace.ContactsAsync(c => c.Email == AddressBookExports.Email("tanaka", 0))).Should().BeEmpty();
        var removed = (await workspace.LedgerItemsAsync()).Should().ContainSingle(i => i.State == ItemState.Removed).Subject;
        removed.Account.Should().Be("tanaka");
        removed.NativeId.Should().Be($"髙橋 00郎<{AddressBookExports.Email("tanaka", 0)}>");
        Directory.Exists(Logs).Should().BeTrue();
        Directory.GetFiles(Logs, "pending-deletions-*.csv").Should().BeEmpty("nothing was held back");

        var report = Path.Combine(workspace.Folder, "report");
        var reconcile = await jobs.ReconcileAsync(job, report);
        reconcile.ExitCode.Should().Be(ExitCodes.Success, reconcile.Explain);
        var totals = ReportSummary.Read(report)["totals"]!;
        totals["missing"]!.GetValue<long>().Should().Be(0);
        totals["extra"]!.GetValue<long>().Should().Be(0);
        totals["keptByPolicy"]!.GetValue<long>().Should().Be(0);
        totals["matched"]!.GetValue<long>().Should().Be(19);
        totals["ledgerRemoved"]!.GetValue<long>().Should().Be(1, "counted as removed, not missing");

        // Back in the export: loaded again, as a new row.
        AddressBookExports.Write(workspace.Exports, "tanaka", Enumerable.Range(0, 10));
        var back = await jobs.RunAsync(job);
        back.ExitCode.Should().Be(ExitCodes.Success, back.Explain);
        back.Run.Loaded.Should().Be(1);
        (await workspace.CountContactsAsync()).Should().Be(20);
    }

    [Fact]
    public async Task Run_RemovalsOverTheCount_AreHeldListedAndMailed_ThenCarriedOutOnlyAfterConfirm_AndNotForARowBackMeanwhile()
    {
        await using var sink = SmtpSink.Start();
        var job = AddressBookExports.WithThreshold(workspace.JobFile(extra: $"""

            alerts:
              smtp-host: 127.0.0.1
              smtp-port: {sink.Port}
              security: none
              from: dxmig@pref.example.jp
              to: [admin@pref.example.jp]
              on: failure
            """), "delete-threshold: 3");

        await AddressBookExports.HeldThenConfirmedAsync(jobs, job, workspace.CountContactsAsync, workspace.LedgerItemsAsync, Logs);

        var mails = sink.Messages.Select(m => MimeMessage.Load(new MemoryStream(Encoding.Latin1.GetBytes(m.Data)))).ToList();
        var alert = mails.Should().ContainSingle("only the held run needs a person").Subject;
        alert.Subject.Should().Contain("要確認").And.Contain("needs attention");
    }

    [Fact]
    public async Task Run_RemovalsOverThePercentage_AreHeld_UntilConfirmed()
    {
        AddressBookExports.Write(workspace.Exports, "tanaka", Enumerable.Range(0, 10));
        AddressBookExports.Write(workspace.Exports, "suzuki", Enumerable.Range(0, 10));
        var job = AddressBookExports.WithThreshold(workspace.JobFile(), "delete-threshold-percent: 10");
        (await jobs.RunAsync(job)).ExitCode.Should().Be(ExitCodes.Success);

        AddressBookExports.Write(workspace.Exports, "tanaka", Enumerable.Range(3, 7));
        var held = await jobs.RunAsync(job);

        held.ExitCode.Should().Be(ExitCodes.Quarantined, held.Explain);
        held.Account("tanaka").Warnings.Should().ContainSingle().Which.Should().Contain("(15%)").And.Contain("10%");
        (await workspace.CountContactsAsync()).Should().Be(20);
        File.ReadAllLines(Path.Combine(Logs, $"pending-deletions-{held.Run.RunId}.csv")).Should().HaveCount(4);

        var unknown = await jobs.RunAsync(job, confirmDeletes: "no-such-run");
        unknown.ExitCode.Should().Be(ExitCodes.Failed);
        (await workspace.CountContactsAsync()).Should().Be(20);

        var confirmed = await jobs.RunAsync(job, confirmDeletes: held.Run.RunId);
        confirmed.ExitCode.Should().Be(ExitCodes.Success, confirmed.Explain);
        (await workspace.CountContactsAsync()).Should().Be(17);
    }

    [Fact]
    public async Task Run_MissingEmptyOrUnreadableExport_RemovesNothing_AndWarns()
    {
        foreach (var account in new[] { "gone", "empty", "broken", "fine", "noisy" })
        {
            AddressBookExports.Write(workspace.Exports, account, Enumerable.Range(0, 5));
        }

        var job = workspace.JobFile();
        (await jobs.RunAsync(job)).ExitCode.Should().Be(ExitCodes.Success);

        File.Delete(Path.Combine(workspace.Exports, "gone.csv"));
        File.WriteAllText(Path.Combine(workspace.Exports, "empty.csv"), AddressBookExports.Header, new UTF8Encoding(true));
        var broken = File.ReadAllBytes(Path.Combine(workspace.Exports, "broken.csv")).ToList();
        var lastRow = broken.LastIndexOf((byte)'\n', broken.Count - 2) + 1;
        broken.RemoveRange(lastRow, broken.Count - lastRow);
        broken.AddRange([0x82, 0xA0, 0xFF, 0xFE, (byte)',', (byte)'\r', (byte)'\n']);
        File.WriteAllBytes(Path.Combine(workspace.Exports, "broken.csv"), [.. broken]);
        AddressBookExports.Write(workspace.Exports, "fine", Enumerable.Range(0, 4));
        // Every contact still there, and a bad row besides: nothing could go, so nothing is said (the row is quarantined).
        File.AppendAllText(Path.Combine(workspace.Exports, "noisy.csv"), "\"unclosed,たかはし,x@example.jp\r\n", new UTF8Encoding(false));

        var run = await jobs.RunAsync(job);

        run.ExitCode.Should().Be(ExitCodes.Quarantined, run.Explain);
        run.Run.Outcome.Should().Be(RunOutcome.CompletedWithWarnings);
        run.Run.Removed.Should().Be(1, "only the readable export's vanished contact");
        run.Account("fine").Removed.Should().Be(1);
        run.Account("gone").Warnings.Should().ContainSingle().Which.Should().Contain("gone のアドレス帳ファイルがありません").And.Contain("not read");
        run.Account("gone").Seen.Should().Be(0);
        run.Account("empty").Warnings.Should().ContainSingle().Which.Should().Contain("empty.csv に連絡先がありません").And.Contain("5 contacts on the target were not removed");
        run.Account("broken").Warnings.Should().ContainSingle().Which.Should().Contain("読めない行").And.Contain("消えた連絡先 1 件");
        run.Account("noisy").Warnings.Should().BeNullOrEmpty(run.Explain);
        run.Account("noisy").Quarantined.Should().BeGreaterThan(0, run.Explain);
        (await workspace.CountContactsAsync()).Should().Be(24);
        (await workspace.LedgerItemsAsync()).Where(i => i.State == ItemState.Removed).Select(i => i.Account).Should().Equal("fine");
    }
}

/// <summary>The same held-then-confirmed removals with the ledger and the store on the private PostgreSQL.</summary>
public sealed class AddressBookRemovalPostgresTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IDisposable
{
    private readonly JobWorkspace workspace = new();

    public void Dispose() => workspace.Dispose();

    [Fact]
    public async Task Run_OnPostgres_RemovalsHeldAtTheThreshold_AreCarriedOutAfterConfirm()
    {
        var jobs = new JobLayer(workspace);
        var ledger = await postgres.Server.CreateDatabaseAsync();
        var store = await postgres.Server.CreateDatabaseAsync();
        var job = AddressBookExports.WithThreshold(workspace.JobFile(), "delete-threshold: 3");
        workspace.Environment["DXMIG_TEST_PG_PASSWORD"] = "not-used-with-trust-auth";
        var text = File.ReadAllText(job)
            .Replace("  store: ../state/platform.db", $"  store: {store}\n  password-env: DXMIG_TEST_PG_PASSWORD", StringComparison.Ordinal)
            .Replace("ledger: ../state/ledger.db", $"ledger:\n  location: {ledger}\n  password-env: DXMIG_TEST_PG_PASSWORD", StringComparison.Ordinal);
        File.WriteAllText(job, text);

        async Task<int> Contacts()
        {
            await using var db = new PlatformDbContext(StoreContextFactory.CreateOptions<PlatformDbContext>(StoreLocation.Parse(store, "/")));
            return await db.Contacts.CountAsync();
        }

        async Task<List<LedgerItem>> Ledger()
        {
            await using var db = new LedgerDbContext(StoreContextFactory.CreateOptions<LedgerDbContext>(StoreLocation.Parse(ledger, "/")));
            return await db.Items.AsNoTracking().ToListAsync();
        }

        await AddressBookExports.HeldThenConfirmedAsync(jobs, job, Contacts, Ledger, Path.Combine(workspace.Folder, "logs", "test-addressbook"));
    }
}
