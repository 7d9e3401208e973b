using Dxmig.Loaders.PlatformStore;
using Dxmig.Platform.Storage;
using Dxmig.TestSupport;
using static Dxmig.Loaders.Tests.StoreSamples;
using Microsoft.EntityFrameworkCore;

namespace Dxmig.Loaders.Tests;

/// <summary>The store's read side on a real SQLite file and a real private PostgreSQL.</summary>
public sealed class StoreReaderTests(PostgresFixture postgres) : IDisposable, IClassFixture<PostgresFixture>
{
    private static readonly DateTime Now = new(2024, 4, 1, 0, 0, 0, DateTimeKind.Utc);
    private readonly TempFolder folder = new();

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgresql")]
    public async Task EveryTable_NeverCreated_YieldsNothing_AndCountsItsQuery(string provider)
    {
        var reader = new StoreReader(await LocationAsync(provider));

        (await ListAsync(reader.StaffAsync(default))).Should().BeEmpty();
        (await ListAsync(reader.ContactsAsync("active-mail", "tanaka", default))).Should().BeEmpty();
        (await ListAsync(reader.DocumentsAsync(default))).Should().BeEmpty();
        (await ListAsync(reader.SchedulesAsync(default))).Should().BeEmpty();
        (await ListAsync(reader.ReservationsAsync(default))).Should().BeEmpty();
        (await ListAsync(reader.DevicesAsync(default))).Should().BeEmpty();
        (await ListAsync(reader.TeleworkPermissionsAsync(default))).Should().BeEmpty();

        reader.Queries.Should().Be(7);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgresql")]
    public async Task EveryTable_YieldsItsRows_ByNaturalKey(string provider)
    {
        var location = await LocationAsync(provider);
        await SeedAsync(location);
        var reader = new StoreReader(location);

        var staff = await ListAsync(reader.StaffAsync(default));
        staff.Select(s => s.EmployeeId).Should().Equal("H001", "H002");
        PlatformStaffLoader.Fields(staff[0]).Should().Contain("DisplayName", "田中 一郎").And.Contain("KanaNormalized", string.Empty);

        var contacts = await ListAsync(reader.ContactsAsync("active-mail", "tanaka", default));
        contacts.Select(c => c.SourceNativeId).Should().Equal(["c1", "c2"], "the other account and system are left out, in row-id order");
        PlatformContactsLoader.Fields(contacts[1]).Should().Contain("DisplayName", "髙橋").And.Contain("HasUnmappedGaiji", "1");

        (await ListAsync(reader.DocumentsAsync(default))).Should().Equal(
            new DocumentRow("a/1.txt", "A/1.txt", "tanaka@pref.example.jp", 12, "s1"),
            new DocumentRow("b/2.txt", "B/2.txt", "sato@pref.example.jp", 5_000_000_000, "s2"));
        (await ListAsync(reader.SchedulesAsync(default))).Should().Equal(
            new CalendarRow("S1", "schedules.csv:2", "h1"), new CalendarRow("S2", "schedules.csv:3", "h2"));
        (await ListAsync(reader.ReservationsAsync(default))).Should().Equal(new CalendarRow("R1", "reservations.csv:2", "r1"));
        (await ListAsync(reader.DevicesAsync(default))).Select(d => (d.AssetNumber, d.LentUntil)).Should().Equal(("D1", "2024-03-31"), ("D2", null));
        (await ListAsync(reader.TeleworkPermissionsAsync(default))).Select(p => $"{p.EmployeeId}/{p.SystemKey}").Should().Equal("H001/home", "H001/mobile", "H002/home");
        reader.Queries.Should().Be(7);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgresql")]
    public async Task ATable_LeftEarly_StopsReading_AndTheNextReadSeesEveryRowInOrder(string provider)
    {
        var location = await LocationAsync(provider);
        await using (var db = new CalendarDbContext(StoreContextFactory.CreateOptions<CalendarDbContext>(location)))
        {
            await SchemaBootstrap.EnsureAsync(db, CalendarDbContext.Component, CalendarDbContext.SchemaVersion, default);
            db.Schedules.AddRange(Enumerable.Range(0, 2_000).Select(i => Schedule($"S{i:D5}")));
            await db.SaveChangesAsync();
        }

        var reader = new StoreReader(location);
        var seen = 0;
        await foreach (var row in reader.SchedulesAsync(default))
        {
            _ = row;
            if (++seen == 10)
            {
                break;
            }
        }

        seen.Should().Be(10);
        (await ListAsync(reader.SchedulesAsync(default))).Should().HaveCount(2_000).And.BeInAscendingOrder(r => r.Id, StringComparer.Ordinal);
        reader.Queries.Should().Be(2);
    }

    public void Dispose() => folder.Dispose();

    private async Task<StoreLocation> LocationAsync(string provider) => provider == "sqlite"
        ? StoreLocation.Parse(folder.File("platform.db"), "/")
        : StoreLocation.Parse(await postgres.Server.CreateDatabaseAsync(), "/");

    private static async Task<List<T>> ListAsync<T>(IAsyncEnumerable<T> rows)
    {
        var list = new List<T>();
        await foreach (var row in rows)
        {
            list.Add(row);
        }

        return list;
    }

    private static async Task SeedAsync(StoreLocation location)
    {
        await using (await PlatformMobileLoader.OpenAsync(location, TimeProvider.System, default))
        {
        }

        await using (var db = new StaffDbContext(StoreContextFactory.CreateOptions<StaffDbContext>(location)))
        {
            db.Staff.AddRange(Staff("H002", "佐藤 花子"), Staff("H001", "田中 一郎"));
            await db.SaveChangesAsync();
        }

        await using (var db = new PlatformDbContext(StoreContextFactory.CreateOptions<PlatformDbContext>(location)))
        {
            await SchemaBootstrap.EnsureAsync(db, PlatformDbContext.Component, PlatformDbContext.SchemaVersion, default);
            foreach (var contact in new[]
                     {
                         Contact("active-mail", "tanaka", "c1", "山田"), Contact("active-mail", "sato", "c9", "他人"),
                         Contact("other", "tanaka", "c8", "他システム"), Contact("active-mail", "tanaka", "c2", "髙橋", gaiji: true),
                     })
            {
                db.Contacts.Add(contact); // one at a time: the row ids follow this order
                await db.SaveChangesAsync();
            }
        }

        await using (var db = new DocumentDbContext(StoreContextFactory.CreateOptions<DocumentDbContext>(location)))
        {
            await SchemaBootstrap.EnsureAsync(db, DocumentDbContext.Component, DocumentDbContext.SchemaVersion, default);
            db.Documents.AddRange(Document("b/2.txt", "B/2.txt", "sato@pref.example.jp", 5_000_000_000, "s2"), Document("a/1.txt", "A/1.txt", "tanaka@pref.example.jp", 12, "s1"));
            await db.SaveChangesAsync();
        }

        await using (var db = new CalendarDbContext(StoreContextFactory.CreateOptions<CalendarDbContext>(location)))
        {
            await SchemaBootstrap.EnsureAsync(db, CalendarDbContext.Component, CalendarDbContext.SchemaVersion, default);
            db.Schedules.AddRange(Schedule("S2"), Schedule("S1"));
            db.Reservations.Add(new ReservationEntity
            {
                ReservationId = "R1", FacilityCode = "F1", RoomAddress = "room1@pref.example.jp", ReserverId = "H001", ReserverUpn = "tanaka@pref.example.jp",
                ContentHash = "r1", SourceLocation = "reservations.csv:2", CreatedUtc = Now, UpdatedUtc = Now,
            });
            await db.SaveChangesAsync();
        }

        await using (var db = new MobileDbContext(StoreContextFactory.CreateOptions<MobileDbContext>(location)))
        {
            db.Devices.AddRange(
                Device("D2", "stock"),
                Device("D1", "lent", lentTo: "H001", lentUntil: "2024-03-31"));
            db.TeleworkPermissions.AddRange(Permission("H002", "home"), Permission("H001", "mobile"), Permission("H001", "home"));
            await db.SaveChangesAsync();
        }
    }

    private static StaffEntity Staff(string id, string name) => new()
    {
        EmployeeId = id, UserPrincipalName = $"{id}@pref.example.jp", ContentHash = id, SourceLocation = $"staff.csv:{id}", DisplayName = name,
        CreatedUtc = Now, UpdatedUtc = Now,
    };

    private static ContactEntity Contact(string system, string owner, string nativeId, string name, bool gaiji = false) => new()
    {
        SourceSystem = system, OwnerAccount = owner, SourceNativeId = nativeId, ContentHash = nativeId, SourceLocation = $"book.csv:{nativeId}",
        DisplayName = name, HasUnmappedGaiji = gaiji, CreatedUtc = Now, UpdatedUtc = Now,
    };

    private static DocumentEntity Document(string source, string target, string owner, long size, string sha) => new()
    {
        SourcePath = source, TargetPath = target, OwnerEmployeeId = "H001", OwnerUpn = owner, Size = size, Sha256 = sha, QuickXorHash = "q",
        ContentHash = sha, SourceLocation = source, CreatedUtc = Now, UpdatedUtc = Now, DocumentCreatedUtc = Now, DocumentModifiedUtc = Now,
    };

    private static ScheduleEntity Schedule(string id) => new()
    {
        ScheduleId = id, OwnerId = "H001", OwnerUpn = "tanaka@pref.example.jp", ContentHash = "h" + id[1..], SourceLocation = $"schedules.csv:{int.Parse(id[1..], System.Globalization.CultureInfo.InvariantCulture) + 1}",
        StartUtc = Now, EndUtc = Now.AddHours(1), CreatedUtc = Now, UpdatedUtc = Now,
    };
}
