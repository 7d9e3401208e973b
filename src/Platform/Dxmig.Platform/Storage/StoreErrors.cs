using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Dxmig.Platform.Storage;

/// <summary>
/// What a store's error means, recognised by its code (PostgreSQL's SQLSTATE, SQLite's result code), never by its
/// message: PostgreSQL translates its messages (<c>lc_messages</c>), so a server set to Japanese says
/// 「リレーション"x"は存在しません」 where an English one says "relation "x" does not exist".
/// </summary>
public static class StoreErrors
{
    /// <summary>PostgreSQL's SQLSTATE unique_violation (a primary key or unique index).</summary>
    public const string PostgresUniqueViolation = "23505";

    /// <summary>PostgreSQL's SQLSTATE undefined_table.</summary>
    public const string PostgresUndefinedTable = "42P01";

    /// <summary>SQLITE_CONSTRAINT_PRIMARYKEY.</summary>
    public const int SqlitePrimaryKeyViolation = 1555;

    /// <summary>SQLITE_CONSTRAINT_UNIQUE.</summary>
    public const int SqliteUniqueViolation = 2067;

    /// <summary>SQLITE_ERROR, SQLite's generic error (a missing table has no code of its own).</summary>
    public const int SqliteError = 1;

    /// <summary>True when the error is a primary-key or unique violation (a key already there), and nothing else.</summary>
    public static bool IsUniqueViolation(DbException exception) => exception switch
    {
        PostgresException postgres => postgres.SqlState == PostgresUniqueViolation,
        SqliteException sqlite => sqlite.SqliteExtendedErrorCode is SqlitePrimaryKeyViolation or SqliteUniqueViolation,
        _ => false,
    };

    /// <summary>True when the statement named a table the store does not have (it was never created).</summary>
    /// <remarks>
    /// SQLite has no result code for a missing table: it reports SQLITE_ERROR with the message "no such table: x".
    /// SQLite's messages are never translated, so that text is the only sign and a safe one; it is looked at only
    /// when the code is SQLITE_ERROR.
    /// </remarks>
    public static bool IsMissingTable(DbException exception) => exception switch
    {
        PostgresException postgres => postgres.SqlState == PostgresUndefinedTable,
        SqliteException sqlite => sqlite.SqliteErrorCode == SqliteError &&
                                  SqliteMessage(sqlite).StartsWith("no such table", StringComparison.Ordinal),
        _ => false,
    };

    /// <summary>SQLite's own message, without the "SQLite Error 1: '…'." wrapping Microsoft.Data.Sqlite puts around it.</summary>
    private static string SqliteMessage(SqliteException exception)
    {
        const string Prefix = "SQLite Error ";
        var message = exception.Message;
        if (message.StartsWith(Prefix, StringComparison.Ordinal) && message.IndexOf(": '", StringComparison.Ordinal) is var start and > 0)
        {
            return message[(start + 3)..];
        }

        return message;
    }
}
