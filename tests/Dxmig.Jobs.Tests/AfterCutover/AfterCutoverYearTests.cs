using System.Globalization;
using Dxmig.Jobs.Retention;
using Dxmig.Jobs.Tests.Harness;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Pipeline;
using Dxmig.Platform.Storage;
using Dxmig.Sandbox.Samples;
using Dxmig.TestSupport;
using Dxmig.TestSupport.Jobs;
using MailKit;
using MailKit.Search;
using Microsoft.Extensions.Time.Testing;
using MimeKit;
using Xunit.Abstractions;

namespace Dxmig.Jobs.Tests.AfterCutover;

/// <summary>
/// A year after cutover on a fake clock: one night a month (21:00 Tokyo) the mail, staff, schedule, address-book and
/// mobile-device jobs run against sources a generator churns (new mail, flags, moves, deletions; rows, contacts and
/// devices added, changed and removed), each night reconciled clean, or held for confirmation exactly on the nights a
/// guard trips (a folder emptied by mistake, a truncated staff export, an address book cut in half).
/// At the end the ledger, logs and reports are within the jobs' retention, and their growth per night is printed.
/// </summary>
public sealed class AfterCutoverYearTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly string[] Users = ["tanaka", "suzuki", "sato"];

    /// <summary>2026-04-01 21:00 Tokyo (the sample lending periods and permissions run to 2027-03-31).</summary>
    private static readonly DateTimeOffset Cutover = new(2026, 4, 1, 12, 0, 0, TimeSpan.Zero);

    private const int Nights = 12;

    /// <summary>The night (0 = cutover) a user empties a folder on the old server by mistake.</summary>
    private const int EmptiedNight = 5;

    /// <summary>The night the staff export arrives truncated.</summary>
    private const int TruncatedNight = 8;

    /// <summary>The night suzuki's address-book export keeps five contacts (confirmed: he did clean it up).</summary>
    private const int HalvedNight = 10;

    private const int Devices = 40;

    private const string Retention = """
        retention:
          runs-days: 120
          keep-runs: 4
          removed-items-days: 90
          logs-days: 60
          reports-days: 90
        """;

    private readonly FakeTimeProvider clock = new(Cutover);
    private readonly Random random = new(2027);
    private MailRunHarness mail = null!;

    private JobWorkspace Workspace => mail.Workspace;

    public async Task InitializeAsync()
    {
        mail = await MailRunHarness.StartAsync(Users, messages: 30);
        Workspace.Time = clock;
        Directory.CreateDirectory(Path.Combine(Workspace.Folder, "state"));
        Workspace.Environment["DXMIG_DELETIONS"] = "mirror";
        Workspace.Environment["DXMIG_DELETION_THRESHOLD"] = "30";
    }

    public async Task DisposeAsync() => await mail.DisposeAsync();

    [Fact]
    public async Task AYearOfNightlyRuns_ReconcilesEveryNight_HoldsExactlyTheAccidents_AndStaysWithinRetention()
    {
        var mailJob = mail.JobVariant("mail-year", t => t.Replace("name: mail-imap-to-imap", "name: mail-year", StringComparison.Ordinal) + "\nlogging:\n  folder: ../logs\n" + Retention);
        var staffJob = StaffJob();
        var schedulesJob = SchedulesJob();
        var jobs = new[] { ("mail-year", mailJob), ("staff-year", staffJob), ("schedules-year", schedulesJob), ("addressbook-year", AddressBookJob()), ("devices-year", DevicesJob()) };
        var layer = new JobLayer(Workspace);
        var sizes = new List<(int Night, long Ledger, long Logs, long Reports)>();
        var started = jobs.ToDictionary(j => j.Item1, _ => new List<(string RunId, DateTime Utc)>());
        long runs = 0, items = 0, lost = 0, doubled = 0;
        var removedStaff = new HashSet<int>();
        var removedSchedules = new HashSet<int>();
        var contacts = Users.ToDictionary(u => u, _ => Enumerable.Range(0, 30).ToList());
        var goneDevices = new HashSet<int>();

        for (var night = 0; night < Nights; night++)
        {
            clock.SetUtcNow(Cutover.AddDays(night * 30.5));
            WriteStaff(night, removedStaff, truncated: night == TruncatedNight);
            WriteSchedules(night, removedSchedules);
            WriteAddressBooks(night, contacts);
            WriteDevices(night, goneDevices);
            if (night > 0)
            {
                await ChurnMailAsync(emptyFolder: night == EmptiedNight);
            }

            foreach (var (name, path) in jobs)
            {
                var run = await layer.RunAsync(path);
                runs++;
                started[name].Add((run.Run.RunId, run.Run.StartedUtc));
                items += run.Run.Seen;
                lost += run.Reconciliation?.Accounts.Sum(a => a.Totals.Missing) ?? 0;
                doubled += run.Reconciliation?.Accounts.Sum(a => a.Totals.Doubled) ?? 0;
                run.Balanced.Should().BeTrue($"night {night}, {name}: {run.Explain}");
                var held = (name == "mail-year" && night == EmptiedNight) || (name == "staff-year" && night == TruncatedNight) ||
                           (name == "addressbook-year" && night == HalvedNight);
                if (held)
                {
                    run.ExitCode.Should().Be(ExitCodes.Quarantined, $"night {night}, {name}: the guard holds the mass deletion: {run.Explain}");
                    (run.Lines + run.Run.Message).Should().Contain("要確認").And.Contain("--confirm-deletes " + run.Run.RunId);
                    File.Exists(PendingDeletions(name, run.Run.RunId)).Should().BeTrue(run.Explain);
                    run.Reconciliation!.Accounts.Sum(a => a.Totals.Missing + a.Totals.Doubled + a.Totals.Extra).Should().Be(0, run.Explain);
                }
                else
                {
                    run.ExitCode.Should().Be(ExitCodes.Success, $"night {night}, {name}: {run.Explain}");
                    run.Reconciliation!.ExitCode.Should().Be(ExitCodes.Success, $"night {night}, {name}: {run.Explain}");
                }

                if (name == "addressbook-year" && night == HalvedNight)
                {
                    // suzuki did clean his address book up: the admin confirms, the next morning.
                    clock.Advance(TimeSpan.FromHours(12));
                    var confirmed = await layer.RunAsync(path, confirmDeletes: run.Run.RunId);
                    runs++;
                    started[name].Add((confirmed.Run.RunId, confirmed.Run.StartedUtc));
                    confirmed.ExitCode.Should().Be(ExitCodes.Success, confirmed.Explain);
                    // The guard holds the whole run's removals: suzuki's and the night's one contact of each user.
                    confirmed.Run.Removed.Should().Be(halved + Users.Length, confirmed.Explain);
                    confirmed.Reconciliation!.ExitCode.Should().Be(ExitCodes.Success, confirmed.Explain);
                }

                if (name == "mail-year" && night == EmptiedNight)
                {
                    // The admin reads the alert the next morning, checks the list, and confirms: exactly those go.
                    clock.Advance(TimeSpan.FromHours(12));
                    var confirmed = await layer.RunAsync(path, confirmDeletes: run.Run.RunId);
                    runs++;
                    started[name].Add((confirmed.Run.RunId, confirmed.Run.StartedUtc));
                    confirmed.ExitCode.Should().Be(ExitCodes.Success, confirmed.Explain);
                    confirmed.Run.Removed.Should().Be(emptied, confirmed.Explain);
                    confirmed.Reconciliation!.ExitCode.Should().Be(ExitCodes.Success, confirmed.Explain);
                    await AssertMailboxesMatchAsync();
                }
            }

            sizes.Add((night, LedgerBytes(), FolderBytes(Logs, "reports"), ReportBytes()));
        }

        await AssertMailboxesMatchAsync();
        var now = clock.GetUtcNow().UtcDateTime;
        await using (var ledger = await JobLedger.OpenAsync(StoreLocation.Parse(Workspace.Ledger, "/"), clock, default))
        {
            foreach (var (name, _) in jobs)
            {
                // Kept: the first run, the newest four, and every run of the last 120 days.
                var all = started[name].OrderByDescending(r => r.Utc).ToList();
                var expected = all.Where((r, i) => i < 4 || r.Utc >= now.AddDays(-120) || r.RunId == all[^1].RunId).Select(r => r.RunId);
                (await ledger.RecentRunsAsync(name, 1000, default)).Select(r => r.RunId).Should().BeEquivalentTo(expected, name);
                (await ledger.ItemsInStateAsync(name, ItemState.Removed, 100_000, default))
                    .Should().OnlyContain(i => i.UpdatedUtc >= now.AddDays(-90), $"{name}: rows of items removed over 90 days ago are pruned");
                var folder = Path.Combine(Logs, name);
                Directory.GetFiles(folder).Where(f => Path.GetFileName(f) != RetentionService.StateFile).Select(f => RetentionService.AgeOf(Path.GetFileName(f), File.GetLastWriteTimeUtc(f)))
                    .Should().OnlyContain(t => t >= now.AddDays(-60), $"{name}: logs older than 60 days are removed");
                var reports = Directory.GetDirectories(Path.Combine(folder, "reports")).Select(d => RetentionService.AgeOf(Path.GetFileName(d), now)).Order().ToList();
                reports.Should().NotBeEmpty();
                reports.SkipLast(1).Should().OnlyContain(t => t >= now.AddDays(-90), $"{name}: reports older than 90 days are removed, the newest kept");
            }

            var size = await ledger.SizeAsync("mail-year", default);
            output.WriteLine($"mail ledger: {size.Items} item rows, {size.PayloadPerItem:0} bytes of values per row, {size.StorePerItem:0} bytes on disk per row (all jobs' rows in the file)");
            size.PayloadPerItem.Should().BeLessThan(400, "a mail item's ledger row holds its key, hash, state, target key and run ids only");
        }

        output.WriteLine("night  ledger KB  logs KB  reports KB");
        foreach (var (night, ledgerBytes, logs, reports) in sizes)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{night,5}  {ledgerBytes / 1024,9}  {logs / 1024,7}  {reports / 1024,10}"));
        }

        // Growth once the first load is in and retention has started to remove: the second half of the year.
        var half = sizes[Nights / 2];
        var last = sizes[^1];
        var perNight = (Ledger: (last.Ledger - half.Ledger) / (Nights - 1 - (Nights / 2)), Logs: (last.Logs - half.Logs) / (Nights - 1 - (Nights / 2)), Reports: (last.Reports - half.Reports) / (Nights - 1 - (Nights / 2)));
        var growth = string.Create(CultureInfo.InvariantCulture,
            $"growth per night in the second half: ledger {perNight.Ledger / 1024} KB, logs {perNight.Logs / 1024} KB, reports {perNight.Reports / 1024} KB; at the end ledger {last.Ledger / 1024} KB, logs {last.Logs / 1024} KB, reports {last.Reports / 1024} KB");
        output.WriteLine(growth);
        output.WriteLine(ChaosTally.Record(
            $"a year after cutover: {Nights} monthly nights x mail, staff, schedules, address books, devices (fake clock)", 0, 0, (int)runs, items, lost, doubled,
            new Dictionary<string, int>(StringComparer.Ordinal) { [growth] = 0 }));
        (lost, doubled).Should().Be((0L, 0L));
        perNight.Reports.Should().BeLessThan(last.Reports, "retention keeps the report folders from growing without bound");
    }

    private int emptied;

    private int halved;

    private string Logs => Path.Combine(Workspace.Folder, "logs");

    private string PendingDeletions(string job, string runId) => Path.Combine(Logs, job, $"pending-deletions-{runId}.csv");

    private long LedgerBytes() => new FileInfo(Workspace.Ledger).Length + (File.Exists(Workspace.Ledger + "-wal") ? new FileInfo(Workspace.Ledger + "-wal").Length : 0);

    private long ReportBytes() => Directory.GetDirectories(Logs).Sum(j => FolderBytes(Path.Combine(j, "reports"), null));

    private static long FolderBytes(string folder, string? except) =>
        Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
                .Where(f => except is null || !f.Contains(Path.DirectorySeparatorChar + except + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                .Sum(f => new FileInfo(f).Length)
            : 0;

    /// <summary>Staff grow by three a night, five change, one leaves; on the truncated night 60 % of the rows are missing.</summary>
    private void WriteStaff(int night, HashSet<int> removed, bool truncated)
    {
        var count = 200 + (3 * night);
        if (night > 0)
        {
            removed.Add(150 + random.Next(count - 150)); // people 0–119 hold the devices
        }

        var changed = Enumerable.Range(0, 5).Select(_ => random.Next(count)).ToHashSet();
        var gone = truncated ? [.. removed.Concat(Enumerable.Range(150, count - 150)).Concat(Enumerable.Range(0, 30))] : removed;
        StaffSamples.Write(
            Path.Combine(Workspace.Exports, "staff.csv"), Path.Combine(Workspace.Exports, "identity.csv"),
            new StaffSampleOptions(count, Seed: 2026) { Removed = gone, Changed = night == 0 ? null : changed });
    }

    /// <summary>Schedules grow by twenty a night, ten change, five are cancelled.</summary>
    private void WriteSchedules(int night, HashSet<int> removed)
    {
        var options = new CalendarSampleOptions(400 + (20 * night), People: 50, Seed: 2026);
        if (night > 0)
        {
            foreach (var i in Enumerable.Range(0, 5))
            {
                removed.Add(random.Next(options.Count));
            }
        }

        CalendarSamples.WriteMappings(Path.Combine(Workspace.Exports, "identity-calendar.csv"), Path.Combine(Workspace.Exports, "facilities.csv"), options.People);
        CalendarSamples.WriteSchedules(
            Path.Combine(Workspace.Exports, "schedules.csv"),
            options with { Removed = removed, Changed = night == 0 ? null : Enumerable.Range(0, 10).Select(_ => random.Next(options.Count)).ToHashSet() });
    }

    /// <summary>Each user's book gains two contacts and loses one a night; on the halved night suzuki's holds half of them.</summary>
    private void WriteAddressBooks(int night, Dictionary<string, List<int>> contacts)
    {
        foreach (var user in Users)
        {
            var list = contacts[user];
            if (night > 0)
            {
                list.RemoveAt(random.Next(list.Count));
                list.Add(list.Max() + 1);
                list.Add(list.Max() + 1);
            }

            if (night == HalvedNight && user == "suzuki")
            {
                halved = list.Count - 5;
                list.RemoveRange(0, halved);
            }

            AddressBook.AddressBookExports.Write(Path.Combine(Workspace.Exports, "addressbooks"), user, list);
        }
    }

    /// <summary>The inventory of 40 devices: every other month one goes (returned to the vendor), and one gone comes back.</summary>
    private void WriteDevices(int night, HashSet<int> gone)
    {
        if (night > 0 && night % 2 == 0)
        {
            if (gone.Count > 0 && night % 4 == 0)
            {
                gone.Remove(gone.Min());
            }

            gone.Add(1 + ((night * 7) % (Devices - 1)));
        }

        MobileSamples.Write(Workspace.Exports, new MobileSampleOptions(Devices, People: 120, Cp932: false));
        var path = Path.Combine(Workspace.Exports, "devices.csv");
        var lines = File.ReadAllText(path, System.Text.Encoding.UTF8).Split("\r\n");
        var kept = lines.Where(l => !gone.Any(d => l.StartsWith(MobileSamples.AssetNumber(d) + ",", StringComparison.Ordinal)));
        File.WriteAllText(path, string.Join("\r\n", kept), new System.Text.UTF8Encoding(true));
    }

    /// <summary>
    /// A month of one user's mail: four new messages in the inbox, two read, one flagged, one moved to a project folder,
    /// one deleted. On the night of the accident tanaka empties that folder.
    /// </summary>
    private async Task ChurnMailAsync(bool emptyFolder)
    {
        foreach (var user in Users)
        {
            using var client = await mail.Source.ConnectAsync(user, $"{user}-pass");
            var inbox = client.Inbox;
            await inbox.OpenAsync(FolderAccess.ReadWrite);
            for (var i = 0; i < 4; i++)
            {
                var message = new MimeMessage();
                message.From.Add(new MailboxAddress("総務課", "somu@pref.example.jp"));
                message.To.Add(new MailboxAddress(user, $"{user}@pref.example.jp"));
                message.Subject = $"月次連絡 {clock.GetUtcNow():yyyy-MM} #{i} ①㈱";
                message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId("pref.example.jp");
                message.Date = clock.GetUtcNow();
                message.Body = new TextPart("plain") { Text = $"{user} さん\n今月の連絡です。{random.Next()}\n" };
                await inbox.AppendAsync(new AppendRequest(message, MessageFlags.None, clock.GetUtcNow()));
            }

            var uids = await inbox.SearchAsync(SearchQuery.All);
            await inbox.AddFlagsAsync(uids[random.Next(uids.Count)], MessageFlags.Seen, silent: true);
            await inbox.AddFlagsAsync(uids[random.Next(uids.Count)], MessageFlags.Seen, silent: true);
            await inbox.AddFlagsAsync(uids[random.Next(uids.Count)], MessageFlags.Flagged, silent: true);
            var projects = await ProjectsAsync(client);
            var moved = uids[random.Next(uids.Count)];
            await inbox.MoveToAsync(moved, projects);
            var deleted = uids.First(u => u != moved);
            await inbox.AddFlagsAsync(deleted, MessageFlags.Deleted, silent: true);
            await inbox.ExpungeAsync([deleted]);
            if (emptyFolder && user == Users[0])
            {
                // Everything in the inbox but the newest few goes by mistake: well over the guard's 20 %.
                var all = await inbox.SearchAsync(SearchQuery.All);
                var doomed = all.Take(all.Count - 5).ToList();
                await inbox.AddFlagsAsync(doomed, MessageFlags.Deleted, silent: true);
                await inbox.ExpungeAsync();
                emptied = doomed.Count + 1; // and the month's one deletion in the same folder, held with them
            }

            await client.DisconnectAsync(true);
        }
    }

    private static async Task<IMailFolder> ProjectsAsync(MailKit.Net.Imap.ImapClient client)
    {
        var root = client.GetFolder(client.PersonalNamespaces[0]);
        try
        {
            return await client.GetFolderAsync("プロジェクト");
        }
        catch (FolderNotFoundException)
        {
            return await root.CreateAsync("プロジェクト", isMessageFolder: true) ?? throw new InvalidOperationException("the folder was not created");
        }
    }

    /// <summary>Every source folder's messages are on the target in the mapped folder, once, with the same flags.</summary>
    private async Task AssertMailboxesMatchAsync()
    {
        foreach (var user in Users)
        {
            using var client = await mail.Source.ConnectAsync(user, $"{user}-pass");
            var source = await Sandbox.ImapMailboxReader.ReadMessagesAsync(client);
            await mail.AssertTargetHoldsAsync(user, source);
        }
    }

    private string AddressBookJob() => Job(
        "addressbook-year", "addressbook", "platform-contacts",
        ["type: activemail-addressbook-csv", "directory: ../exports/addressbooks", "encoding: auto"],
        ["fields: {m}/activemail-addressbook-fields.yaml", "gaiji: {m}/gaiji.csv"]);

    private string DevicesJob() => Job(
        "devices-year", "mobile-devices", "platform-store",
        ["type: mobile-work-csv", "devices: ../exports/devices.csv", "permissions: [../exports/telework-mobile.csv, ../exports/telework-home.csv]"],
        ["device-fields: {m}/mobile-device-fields.yaml", "permission-fields: {m}/telework-permission-fields.yaml", "groups: {m}/telework-groups.yaml"]);

    private string StaffJob() => Job(
        "staff-year", "cess-staff", "platform-staff",
        ["type: cess-staff-csv", "file: ../exports/staff.csv"],
        ["fields: {m}/cess-staff-fields.yaml", "departments: {m}/cess-departments.csv", "identity: ../exports/identity.csv", "gaiji: {m}/gaiji.csv"]);

    private string SchedulesJob() => Job(
        "schedules-year", "cess-schedules", "platform-calendar",
        ["type: cess-schedules-csv", "file: ../exports/schedules.csv"],
        ["fields: {m}/cess-schedule-fields.yaml", "identity: ../exports/identity-calendar.csv", "gaiji: {m}/gaiji.csv"]);

    /// <summary>
    /// A job file of the year: its kind, source and mappings (<c>{m}</c> is the repository's mapping folder), into the
    /// shared store, ledger and log folder, with the year's retention.
    /// </summary>
    private string Job(string name, string kind, string target, string[] source, string[] mappings)
    {
        var m = RepoPaths.Mappings.Replace("\\", "/", StringComparison.Ordinal);
        static string Lines(IEnumerable<string> lines) => string.Concat(lines.Select(l => "  " + l + "\n"));
        return Workspace.Write($"jobs/{name}.yaml",
            $"name: {name}\nkind: {kind}\nsource:\n{Lines(source)}target:\n  type: {target}\n  store: ../state/platform.db\n" +
            $"ledger: ../state/ledger.db\nmappings:\n{Lines(mappings.Select(l => l.Replace("{m}", m, StringComparison.Ordinal)))}" +
            $"logging:\n  folder: ../logs\n{Retention}\n");
    }
}
