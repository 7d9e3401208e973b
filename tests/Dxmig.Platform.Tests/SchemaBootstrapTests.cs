using Dxmig.Platform.Storage;
using Dxmig.TestSupport;

namespace Dxmig.Platform.Tests;

/// <summary>Tables created once when several processes start on one empty PostgreSQL database at the same moment (a serve cluster).</summary>
public sealed class SchemaBootstrapTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task EnsureAsync_EightAtOnceOnAnEmptyDatabase_CreatesEachTableOnce_WithoutACatalogueCollision()
    {
        var location = StoreLocation.Parse(await postgres.Server.CreateDatabaseAsync(), "/");
        using var start = new ManualResetEventSlim();

        var tasks = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            await using var connection = await StoreConnections.OpenAsync(location, CancellationToken.None);
            start.Wait();
            await SchemaBootstrap.EnsureAsync(
                connection, isSqlite: false, () => "CREATE TABLE bootstrap_probe (id INTEGER PRIMARY KEY)", "probe", 1, CancellationToken.None);
        })).ToList();
        await Task.Delay(200);
        start.Set();
        var act = () => Task.WhenAll(tasks);

        await act.Should().NotThrowAsync("the nodes of a cluster start together");
        await using var check = await StoreConnections.OpenAsync(location, CancellationToken.None);
        await using var count = check.Command("SELECT COUNT(*) FROM dxmig_schema WHERE component = 'probe'");
        Convert.ToInt32(await count.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture).Should().Be(1);
    }
}
