using Dxmig.Loaders.PlatformStore;
using Dxmig.Contracts;
using Dxmig.Contracts.Records;
using Dxmig.Platform.Storage;
using Dxmig.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace Dxmig.Loaders.Tests;

/// <summary>The first load straight into an empty table, and the way back to staging when a batch meets a key already there.</summary>
public sealed class PlatformUpsertLoaderTests(PostgresFixture postgres) : IDisposable, IClassFixture<PostgresFixture>
{
    private readonly TempFolder folder = new();

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgresql")]
    public async Task FirstLoad_CopiesStraightIn_ThenABatchSentAgain_FallsBackToUpsertWithoutDoubles(string provider)
    {
        var location = await LocationAsync(provider);
        await using var loader = await PlatformScheduleLoader.OpenAsync(location, TimeProvider.System, CancellationToken.None);

        await loader.LoadAsync("cess", Batch(0, 50, "定例会議"), CancellationToken.None);
        loader.FirstLoad.Should().BeTrue("the table was empty: the batch went straight in");
        loader.LastBatchWrites.Should().Be(50);
        await loader.LoadAsync("cess", Batch(50, 50, "定例会議"), CancellationToken.None);
        loader.FirstLoad.Should().BeTrue();

        // The first batch again, one row changed (a batch re-sent after a failure, say): a key is there, so it is upserted.
        var again = Batch(0, 50, "定例会議");
        again[7] = Request(7, "定例会議 (変更)");
        await loader.LoadAsync("cess", again, CancellationToken.None);

        loader.FirstLoad.Should().BeFalse("a key was already there");
        loader.LastBatchWrites.Should().Be(1, "only the changed row is written");
        await using var db = new CalendarDbContext(StoreContextFactory.CreateOptions<CalendarDbContext>(location));
        (await db.Schedules.CountAsync()).Should().Be(100);
        (await db.Schedules.SingleAsync(s => s.ScheduleId == "S7")).Title.Should().Be("定例会議 (変更)");
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgresql")]
    public async Task FirstLoad_ABatchHoldingAKeyTwice_GoesToStaging_AndTheLastRecordWins(string provider)
    {
        var location = await LocationAsync(provider);
        await using var loader = await PlatformScheduleLoader.OpenAsync(location, TimeProvider.System, CancellationToken.None);
        var batch = Batch(0, 20, "定例会議");
        batch.Add(Request(3, "定例会議 (二度目)"));
        batch.Add(Request(25, "新規"));

        var outcomes = await loader.LoadAsync("cess", batch, CancellationToken.None);

        outcomes.Should().HaveCount(22).And.OnlyContain(o => o.TargetKey != null && o.TargetKey.StartsWith("schedule/S", StringComparison.Ordinal));
        loader.FirstLoad.Should().BeFalse("the straight copy met the key twice and was rolled back");
        await using var db = new CalendarDbContext(StoreContextFactory.CreateOptions<CalendarDbContext>(location));
        (await db.Schedules.CountAsync()).Should().Be(21);
        (await db.Schedules.SingleAsync(s => s.ScheduleId == "S3")).Title.Should().Be("定例会議 (二度目)");
    }

    [Fact]
    public async Task ATableWithRows_IsNeverCopiedIntoStraight()
    {
        var location = StoreLocation.Parse(folder.File("platform.db"), "/");
        await using (var first = await PlatformScheduleLoader.OpenAsync(location, TimeProvider.System, CancellationToken.None))
        {
            await first.LoadAsync("cess", Batch(0, 10, "a"), CancellationToken.None);
        }

        await using var loader = await PlatformScheduleLoader.OpenAsync(location, TimeProvider.System, CancellationToken.None);
        await loader.LoadAsync("cess", Batch(5, 10, "b"), CancellationToken.None);

        loader.FirstLoad.Should().BeFalse();
        loader.LastBatchWrites.Should().Be(10, "5 changed and 5 new rows, upserted");
        await using var db = new CalendarDbContext(StoreContextFactory.CreateOptions<CalendarDbContext>(location));
        (await db.Schedules.CountAsync()).Should().Be(15);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgresql")]
    public async Task FirstLoad_AnErrorThatIsNotAKeyAlreadyThere_IsThrown_NotTakenForAKeyThatExists(string provider)
    {
        var location = await LocationAsync(provider);
        await using var loader = await PlatformScheduleLoader.OpenAsync(location, TimeProvider.System, CancellationToken.None);
        await loader.LoadAsync("cess", Batch(0, 5, "定例会議"), CancellationToken.None);
        loader.FirstLoad.Should().BeTrue();
        await ExecuteAsync(location, "DROP TABLE schedules");

        var act = () => loader.LoadAsync("cess", Batch(5, 5, "定例会議"), CancellationToken.None);

        (await act.Should().ThrowAsync<System.Data.Common.DbException>())
            .Which.Should().Match<System.Data.Common.DbException>(e => StoreErrors.IsMissingTable(e));
        loader.FirstLoad.Should().BeTrue("a dropped table is no key already there: the loader did not switch to upserting");
    }

    [Fact]
    public async Task FirstLoad_ACheckViolation_IsThrown_NotTakenForAKeyThatExists()
    {
        var location = StoreLocation.Parse(await postgres.Server.CreateDatabaseAsync(), "/");
        await using var loader = await PlatformScheduleLoader.OpenAsync(location, TimeProvider.System, CancellationToken.None);
        await loader.LoadAsync("cess", Batch(0, 5, "定例会議"), CancellationToken.None);
        await ExecuteAsync(location, "ALTER TABLE schedules ADD CONSTRAINT title_not_blank CHECK (\"Title\" <> '')");

        var act = () => loader.LoadAsync("cess", Batch(5, 5, string.Empty), CancellationToken.None);

        (await act.Should().ThrowAsync<Npgsql.PostgresException>()).Which.SqlState.Should().Be("23514");
        loader.FirstLoad.Should().BeTrue("a check violation is no key already there");
        await using var db = new CalendarDbContext(StoreContextFactory.CreateOptions<CalendarDbContext>(location));
        (await db.Schedules.CountAsync()).Should().Be(5, "the refused batch was rolled back");
    }

    public void Dispose() => folder.Dispose();

    private async Task<StoreLocation> LocationAsync(string provider) => provider == "sqlite"
        ? StoreLocation.Parse(folder.File("platform.db"), "/")
        : StoreLocation.Parse(await postgres.Server.CreateDatabaseAsync(), "/");

    private static async Task ExecuteAsync(StoreLocation location, string sql)
    {
        await using var connection = await StoreConnections.OpenAsync(location, CancellationToken.None);
        await using var command = connection.Command(sql);
        await command.ExecuteNonQueryAsync();
    }

    private static List<LoadRequest<ScheduleRecord>> Batch(int from, int count, string title) =>
        [.. Enumerable.Range(from, count).Select(i => Request(i, title))];

    private static LoadRequest<ScheduleRecord> Request(int i, string title)
    {
        var record = new ScheduleRecord
        {
            ScheduleId = $"S{i}",
            OwnerId = "H000001",
            OwnerUpn = "tanaka@pref.example.jp",
            Calendars = ["tanaka@pref.example.jp"],
            Appointment = new CalendarEvent { Subject = title, Start = new DateTime(2024, 4, 1, 9, 0, 0), End = new DateTime(2024, 4, 1, 10, 0, 0) },
            ContentHash = $"{i}-{title}",
            SourceLocation = $"schedules.csv:{i + 2}",
            Original = new ScheduleEntry { File = "schedules.csv", Line = i + 2 },
        };
        return new LoadRequest<ScheduleRecord>(default, record.ContentHash, 0, record, false);
    }
}
