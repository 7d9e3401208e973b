using System.Data.Common;
using Dxmig.Platform.Storage;
using Dxmig.TestSupport;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Dxmig.Platform.Tests.Storage;

/// <summary>Store errors recognised by code on real SQLite and a real private PostgreSQL, whatever language the message is in.</summary>
public sealed class StoreErrorsTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private const string Schema = """
        CREATE TABLE staff (id TEXT PRIMARY KEY, mail TEXT NOT NULL UNIQUE, age INTEGER CHECK (age >= 0));
        INSERT INTO staff (id, mail, age) VALUES ('H1', 'tanaka@pref.example.jp', 40);
        """;

    public static TheoryData<string, bool, bool> Cases => new()
    {
        // statement, a unique violation?, a missing table?
        { "INSERT INTO staff (id, mail, age) VALUES ('H1', 'other@pref.example.jp', 1)", true, false },
        { "INSERT INTO staff (id, mail, age) VALUES ('H2', 'tanaka@pref.example.jp', 1)", true, false },
        { "INSERT INTO staff (id, mail, age) VALUES ('H3', NULL, 1)", false, false },
        { "INSERT INTO staff (id, mail, age) VALUES ('H4', 'sato@pref.example.jp', -1)", false, false },
        { "SELECT * FROM no_such_staff", false, true },
        { "SELECT no_such_column FROM staff", false, false },
        { "SELEC * FROM staff", false, false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task ErrorsAreRecognisedByTheirCode_OnSqliteAndPostgres(string sql, bool unique, bool missing)
    {
        foreach (var store in new[] { "sqlite", "postgresql" })
        {
            await using var connection = store == "sqlite" ? new SqliteConnection("Data Source=:memory:") : await OpenPostgresAsync();
            if (store == "sqlite")
            {
                await connection.OpenAsync();
            }

            await Execute(connection, Schema);

            var error = await FailureOf(connection, sql);

            error.Should().BeAssignableTo(store == "sqlite" ? typeof(SqliteException) : typeof(PostgresException));
            StoreErrors.IsUniqueViolation(error).Should().Be(unique, $"{store}: {error.Message}");
            StoreErrors.IsMissingTable(error).Should().Be(missing, $"{store}: {error.Message}");
        }
    }

    [Theory]
    [InlineData("42P01", "リレーション\"staff\"は存在しません", false, true)]
    [InlineData("P0001", "relation \"staff\" does not exist", false, false)]
    [InlineData("23505", "重複したキー値は一意性制約\"staff_pkey\"違反となります", true, false)]
    [InlineData("P0001", "duplicate key value violates unique constraint \"staff_pkey\"", false, false)]
    public async Task Postgres_TheCodeDecides_NotTheMessagesLanguage(string sqlState, string message, bool unique, bool missing)
    {
        // This server has no Japanese locale to set lc_messages to, so the server raises Japanese words with the real
        // codes itself, and English words with a code that is neither.
        await using var connection = await OpenPostgresAsync();

        var error = await FailureOf(connection, $"DO $$ BEGIN RAISE EXCEPTION '{message.Replace("'", "''", StringComparison.Ordinal)}' USING ERRCODE = '{sqlState}'; END $$;");

        error.Should().BeOfType<PostgresException>().Which.SqlState.Should().Be(sqlState);
        error.Message.Should().Contain(message);
        StoreErrors.IsUniqueViolation(error).Should().Be(unique);
        StoreErrors.IsMissingTable(error).Should().Be(missing);
    }

    [Fact]
    public void AnErrorOfNeitherStore_IsNeitherKind()
    {
        var error = new FakeDbException("no such table: staff");

        StoreErrors.IsMissingTable(error).Should().BeFalse("only a store's code counts, never the words");
        StoreErrors.IsUniqueViolation(error).Should().BeFalse();
    }

    private async Task<DbConnection> OpenPostgresAsync()
    {
        var connection = new NpgsqlConnection(await postgres.Server.CreateDatabaseAsync());
        await connection.OpenAsync();
        await Execute(connection, "SET lc_messages TO 'C'");
        return connection;
    }

    private static async Task Execute(DbConnection connection, string sql)
    {
        await using var command = connection.Command(sql);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<DbException> FailureOf(DbConnection connection, string sql)
    {
        var act = () => Execute(connection, sql);
        return (await act.Should().ThrowAsync<DbException>()).Which;
    }

    private sealed class FakeDbException(string message) : DbException(message);
}
