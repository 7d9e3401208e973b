using Dxmig.Platform.Scheduling.Quartz;
using Dxmig.Platform.Storage;
using Dxmig.TestSupport;
using Microsoft.Data.Sqlite;

namespace Dxmig.Platform.Tests.Scheduling;

public sealed class QuartzSchemaTests : IDisposable
{
    private readonly TempFolder temp = new("dxmig-quartz-schema");

    public void Dispose() => temp.Dispose();

    [Theory]
    [InlineData(StoreProvider.Sqlite, "sqlite")]
    [InlineData(StoreProvider.PostgreSql, "postgres")]
    public void EmbeddedScript_IsTheOneThePinnedQuartzShips(StoreProvider provider, string dialect)
    {
        using var stream = typeof(global::Quartz.IJob).Assembly.GetManifestResourceStream($"Quartz.Impl.AdoJobStore.Schema.create_{dialect}.sql");
        stream.Should().NotBeNull("Quartz.dll ships its own creation script");
        using var reader = new StreamReader(stream!);
        var shipped = reader.ReadToEnd();

        var ours = QuartzSchema.Resource(provider);

        ours.Should().EndWith(shipped, "the embedded script is Quartz's own below dxmig's header; a Quartz upgrade that changes it must change it here");
        ours.Should().StartWith($"-- Quartz.NET 4.7.3 job-store schema ({dialect})");
    }

    [Fact]
    public async Task EnsureAsync_Twice_CreatesEveryTableOnceAndRecordsTheVersion()
    {
        var location = StoreLocation.Parse(temp.File("scheduler.db"), "/");

        await QuartzSchema.EnsureAsync(location, CancellationToken.None);
        await QuartzSchema.EnsureAsync(location, CancellationToken.None);

        await using var connection = new SqliteConnection($"Data Source={location.Display}");
        await connection.OpenAsync();
        await using var tables = connection.CreateCommand();
        tables.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name LIKE 'QRTZ%'";
        ((long)(await tables.ExecuteScalarAsync())!).Should().Be(15);
        await using var version = connection.CreateCommand();
        version.CommandText = "SELECT version FROM dxmig_schema WHERE component = 'quartz'";
        ((long)(await version.ExecuteScalarAsync())!).Should().Be(QuartzSchema.Version);
    }
}
