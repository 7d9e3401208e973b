using System.Diagnostics;
using System.Globalization;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Storage;
using Dxmig.TestSupport;
using Xunit.Abstractions;

namespace Dxmig.Jobs.Tests.Console;

/// <summary>
/// The console's quarantine search and counts by rule (<see cref="JobLedger.SearchItemsAsync(string, ItemState, string?, string?, int, int, CancellationToken)"/>,
/// <see cref="JobLedger.CountByCodeAsync"/>) over 200,000 quarantined rows, the same on SQLite and PostgreSQL.
/// </summary>
public abstract class LedgerSearchContract(ITestOutputHelper output)
{
    protected const string Job = "mail-wave1";
    protected const string RunA = "20261201T010000Z-aaaaaaaa";
    protected const string RunB = "20261202T010000Z-bbbbbbbb";

    /// <summary>Rows 1..Split belong to run A, the rest to run B.</summary>
    private const int Rows = 200_000;
    private const int Split = 150_000;

    protected abstract Task<StoreLocation> LocationAsync();

    [Fact]
    public async Task Search_200000Quarantined_FindsTheOneDistinctRow_PagesInIdOrder_AndCountsPerRun()
    {
        var location = await LocationAsync();
        await using var ledger = await JobLedger.OpenAsync(location, TimeProvider.System, CancellationToken.None);
        var planted = Stopwatch.StartNew();
        await PlantAsync(location);
        output.WriteLine($"{location.ProviderName}: planted {Rows + 4:N0} rows in {planted.ElapsedMilliseconds} ms");

        // One row to find, by text that without escaping would also match 'Zebra1150…' ('_' is any one character in LIKE).
        var found = await Timed("text, 1 match", () => ledger.SearchItemsAsync(Job, ItemState.Quarantined, null, "ZEBRA_150%", 0, 50, CancellationToken.None));
        var row = found.Items.Should().ContainSingle().Subject;
        found.Total.Should().Be(1);
        found.TotalIsLowerBound.Should().BeFalse();
        row.Account.Should().Be("kanri.honbu@pref.example.jp");
        row.NativeId.Should().Be("9:999999");
        row.Code.Should().Be("dkim-broken");
        row.Message.Should().Be("配送エラー Zebra_150% 特異 / delivery error");
        row.TargetKey.Should().Be("graph:AAMk-distinct");
        row.Size.Should().Be(4242);
        row.LastRunId.Should().Be(RunB);
        row.Container.Should().Be("受信トレイ/重要");

        // By account (case-insensitive), by code, by native id; the loaded twin with the same text is not in the quarantine.
        (await ledger.SearchItemsAsync(Job, ItemState.Quarantined, null, "KANRI.HONBU", 0, 50, CancellationToken.None)).Items.Should().ContainSingle().Which.Id.Should().Be(row.Id);
        (await ledger.SearchItemsAsync(Job, ItemState.Quarantined, null, "dkim-BROKEN", 0, 50, CancellationToken.None)).Total.Should().Be(1);
        (await ledger.SearchItemsAsync(Job, ItemState.Quarantined, null, "9:999999", 0, 50, CancellationToken.None)).Total.Should().Be(1);
        (await ledger.SearchItemsAsync(Job, ItemState.Loaded, null, "ZEBRA_150%", 0, 50, CancellationToken.None)).Items.Should().ContainSingle().Which.Id.Should().NotBe(row.Id);
        (await ledger.SearchItemsAsync(Job, ItemState.Quarantined, RunA, "ZEBRA_150%", 0, 50, CancellationToken.None)).Total.Should().Be(0, "it was written by run B");
        (await ledger.SearchItemsAsync("another-job", ItemState.Quarantined, null, "ZEBRA_150%", 0, 50, CancellationToken.None)).Total.Should().Be(0);

        // The whole quarantine: pages in id order, page 2 follows page 1, the count stops at the cap.
        var page1 = await Timed("no text, page 1", () => ledger.SearchItemsAsync(Job, ItemState.Quarantined, null, null, 0, 50, CancellationToken.None));
        var page2 = await Timed("no text, page 2", () => ledger.SearchItemsAsync(Job, ItemState.Quarantined, null, null, 50, 50, CancellationToken.None));
        page1.Items.Should().HaveCount(50);
        page2.Items.Should().HaveCount(50);
        page1.Items.Select(i => i.Id).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        page2.Items[0].Id.Should().BeGreaterThan(page1.Items[^1].Id);
        page1.Items.Select(i => i.Id).Intersect(page2.Items.Select(i => i.Id)).Should().BeEmpty();
        page1.Total.Should().Be(JobLedger.SearchCountCap);
        page1.TotalIsLowerBound.Should().BeTrue("200,001 match: more than the cap");
        var deep = await Timed("no text, offset 190,000", () => ledger.SearchItemsAsync(Job, ItemState.Quarantined, null, null, 190_000, 50, CancellationToken.None));
        deep.Items.Should().HaveCount(50);
        deep.Items[0].Id.Should().BeGreaterThan(page2.Items[^1].Id);
        deep.Total.Should().Be(190_050, "more than the items up to this page");
        deep.TotalIsLowerBound.Should().BeTrue();

        // One run: exact count under the cap, the last page short.
        var runB = await Timed("run B, page 1", () => ledger.SearchItemsAsync(Job, ItemState.Quarantined, RunB, null, 0, 100, CancellationToken.None));
        runB.Total.Should().Be(Rows - Split + 1);
        runB.TotalIsLowerBound.Should().BeFalse();
        runB.Items.Should().OnlyContain(i => i.LastRunId == RunB);
        var last = await ledger.SearchItemsAsync(Job, ItemState.Quarantined, RunB, null, Rows - Split - 20, 100, CancellationToken.None);
        last.Items.Should().HaveCount(21);
        var runBText = await Timed("run B, text, many matches", () => ledger.SearchItemsAsync(Job, ItemState.Quarantined, RunB, "Zebra1", 0, 50, CancellationToken.None));
        runBText.Total.Should().Be(JobLedger.TextSearchCountCap);
        runBText.TotalIsLowerBound.Should().BeTrue("50,000 match: a text search counts no further than its cap");
        runBText.Items.Should().HaveCount(50).And.OnlyContain(i => i.LastRunId == RunB && i.Message!.Contains("Zebra1"));

        // A code matched as text: a third of the rows, counted to the text search's cap; the last of them on a deep page.
        var byCode = await Timed("text = a code, 66,667 matches", () => ledger.SearchItemsAsync(Job, ItemState.Quarantined, null, "too-LARGE", 0, 50, CancellationToken.None));
        byCode.Total.Should().Be(JobLedger.TextSearchCountCap);
        byCode.TotalIsLowerBound.Should().BeTrue();
        byCode.Items.Should().HaveCount(50).And.OnlyContain(i => i.Code == "too-large");
        var byCodeLast = await Timed("text = a code, offset 66,660", () => ledger.SearchItemsAsync(Job, ItemState.Quarantined, null, "too-LARGE", 66_660, 50, CancellationToken.None));
        byCodeLast.Items.Should().HaveCount(7);
        byCodeLast.Total.Should().Be(66_667, "a page that is not full says how many there are");
        byCodeLast.TotalIsLowerBound.Should().BeFalse();
        var onlyCode = await ledger.SearchItemsAsync(Job, ItemState.Quarantined, RunA, "bad-header", "Zebra11", 0, 50, CancellationToken.None);
        onlyCode.Items.Should().NotBeEmpty().And.OnlyContain(i => i.Code == "bad-header" && i.LastRunId == RunA && i.Message!.Contains("Zebra11"));

        // The whole job's quarantine by reason, and one run's.
        var reasons = await Timed("count by code, job", () => ledger.CountByCodeAsync(Job, ItemState.Quarantined, null, CancellationToken.None));
        reasons.Select(r => (r.Code, r.Count)).Should().Equal(
            ("bad-header", 66_667L), ("too-large", 66_667L), ("zebra-rule", 66_666L), ("dkim-broken", 1L));
        reasons.Single(r => r.Code == "dkim-broken").Bytes.Should().Be(4242);
        var reasonsA = await ledger.CountByCodeAsync(Job, ItemState.Quarantined, RunA, CancellationToken.None);
        reasonsA.Sum(r => r.Count).Should().Be(Split);
    }

    [Fact]
    public async Task SkipsByRule_CountsSkippedItemsPerCode_ForAJobOrARun_AndListsThemPageByPage()
    {
        var location = await LocationAsync();
        await using var ledger = await JobLedger.OpenAsync(location, TimeProvider.System, CancellationToken.None);
        var writes = new List<ItemWrite>();
        for (var i = 0; i < 30; i++)
        {
            var code = i % 3 == 0 ? "older-than-cutoff" : i % 3 == 1 ? "folder-excluded" : null;
            writes.Add(Write($"{i}", ItemState.Skipped, code, $"skipped 100% {i}", 10));
        }

        writes.Add(Write("q1", ItemState.Quarantined, "older-than-cutoff", "not a skip", 10));
        await ledger.WriteItemsAsync(Job, RunA, "tanaka@pref.example.jp", writes, CancellationToken.None);
        await ledger.WriteItemsAsync(Job, RunB, "suzuki@pref.example.jp", [Write("s1", ItemState.Skipped, "folder-excluded", "later", 5)], CancellationToken.None);

        var job = await ledger.CountByCodeAsync(Job, ItemState.Skipped, null, CancellationToken.None);
        job.Should().Equal(new LedgerCodeCount("folder-excluded", 11, 105), new LedgerCodeCount(null, 10, 100), new LedgerCodeCount("older-than-cutoff", 10, 100));
        var runB = await ledger.CountByCodeAsync(Job, ItemState.Skipped, RunB, CancellationToken.None);
        runB.Should().Equal(new LedgerCodeCount("folder-excluded", 1, 5));

        var page1 = await ledger.SearchItemsAsync(Job, ItemState.Skipped, RunA, "folder-excluded", null, 0, 4, CancellationToken.None);
        var page3 = await ledger.SearchItemsAsync(Job, ItemState.Skipped, RunA, "folder-excluded", null, 8, 4, CancellationToken.None);
        page1.Total.Should().Be(10);
        page1.Items.Should().HaveCount(4);
        page3.Items.Should().HaveCount(2, "10 items: pages of 4, 4 and 2");
        page3.Items[0].Id.Should().BeGreaterThan(page1.Items[^1].Id);

        // '%' in the text is a percent sign, not "anything".
        (await ledger.SearchItemsAsync(Job, ItemState.Skipped, null, "100%", 0, 100, CancellationToken.None)).Total.Should().Be(30);
        (await ledger.SearchItemsAsync(Job, ItemState.Skipped, null, "1%0", 0, 100, CancellationToken.None)).Total.Should().Be(0);
        (await ledger.SearchItemsAsync(Job, ItemState.Skipped, null, "skipped _00", 0, 100, CancellationToken.None)).Total.Should().Be(0);
    }

    private static ItemWrite Write(string id, ItemState state, string? code, string message, long size) =>
        new(new Contracts.SourceKey("imap", "acct", "INBOX", id, "1"), "hash", size, state, code, message, null, state == ItemState.Loaded ? "t" : null);

    private async Task<T> Timed<T>(string what, Func<Task<T>> query)
    {
        var watch = Stopwatch.StartNew();
        var result = await query();
        var first = watch.Elapsed.TotalMilliseconds;
        watch.Restart();
        await query();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what}: {first:F0} ms first, {watch.Elapsed.TotalMilliseconds:F0} ms again"));
        return result;
    }

    /// <summary>200,000 quarantined rows in one statement (run A then run B), one distinctive row, and its loaded twin.</summary>
    private static async Task PlantAsync(StoreLocation location)
    {
        await using var connection = await StoreConnections.OpenAsync(location, CancellationToken.None);
        await using var transaction = await connection.BeginTransactionAsync();
        const string Columns =
            "(\"Job\", \"System\", \"Account\", \"Container\", \"NativeId\", \"Version\", \"ContentHash\", \"Size\", \"State\", \"Code\", \"Message\", " +
            "\"Location\", \"TargetKey\", \"FirstRunId\", \"LastRunId\", \"Attempts\", \"CreatedUtc\", \"UpdatedUtc\")";
        var now = new DateTime(2026, 12, 2, 1, 0, 0, DateTimeKind.Utc);
        await using (var bulk = connection.Command(
            $"INSERT INTO ledger_items {Columns} " +
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @rows) " +
            "SELECT @job, 'imap', 'user' || (i % 500) || '@pref.example.jp', 'INBOX', '1:' || i, '1', 'h', 1000, 'Quarantined', " +
            "CASE i % 3 WHEN 0 THEN 'zebra-rule' WHEN 1 THEN 'bad-header' ELSE 'too-large' END, " +
            "'メッセージ Zebra1' || i || ' を移行できません / could not migrate', NULL, NULL, @a, CASE WHEN i <= @split THEN @a ELSE @b END, 0, @now, @now FROM n",
            transaction,
            ("rows", Rows), ("job", Job), ("split", Split), ("a", RunA), ("b", RunB), ("now", now)))
        {
            (await bulk.ExecuteNonQueryAsync()).Should().Be(Rows);
        }

        foreach (var (state, native, target) in new[] { ("Quarantined", "9:999999", "graph:AAMk-distinct"), ("Loaded", "9:1000000", "graph:AAMk-twin") })
        {
            await using var one = connection.Command(
                $"INSERT INTO ledger_items {Columns} VALUES (@job, 'imap', 'kanri.honbu@pref.example.jp', '受信トレイ/重要', @native, '1', 'h', 4242, @state, " +
                "'dkim-broken', '配送エラー Zebra_150% 特異 / delivery error', NULL, @target, @b, @b, 0, @now, @now)",
                transaction,
                ("job", Job), ("native", native), ("state", state), ("target", target), ("b", RunB), ("now", now));
            await one.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
    }
}

/// <summary>The search on the embedded SQLite ledger.</summary>
public sealed class LedgerSearchSqliteTests(ITestOutputHelper output) : LedgerSearchContract(output), IDisposable
{
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    protected override Task<StoreLocation> LocationAsync() => Task.FromResult(StoreLocation.Parse(temp.File("ledger.db"), "/"));
}

/// <summary>The search on a PostgreSQL ledger (ILIKE).</summary>
public sealed class LedgerSearchPostgresTests(PostgresFixture postgres, ITestOutputHelper output) : LedgerSearchContract(output), IClassFixture<PostgresFixture>
{
    protected override async Task<StoreLocation> LocationAsync() => StoreLocation.Parse(await postgres.Server.CreateDatabaseAsync(), "/");
}
