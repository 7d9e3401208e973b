using System.Globalization;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Dxmig.Loaders.PlatformStore;

/// <summary>
/// One single-row <c>INSERT … ON CONFLICT … RETURNING "Id"</c> prepared on a SQLite connection's own handle, run once per
/// row inside the connection's open transaction: the values are bound by position (the SQL names each parameter once,
/// in the order of the values) and the returned row id is read from the step itself, with no ADO.NET command, parameter
/// look-up by name or data reader per row. Values are bound as Microsoft.Data.Sqlite binds them (text; a
/// <see cref="DateTime"/> as <c>yyyy-MM-dd HH:mm:ss.FFFFFFF</c>; a bool as 0/1), so EF Core reads the rows back alike.
/// </summary>
internal sealed class SqliteRowUpsert : IDisposable
{
    private readonly sqlite3 db;
    private readonly sqlite3_stmt statement;
    private readonly int count;

    /// <param name="connection">An open connection (its transaction, if any, holds every row).</param>
    /// <param name="sql">The statement; its parameters are the values in order and it returns one integer column.</param>
    /// <param name="count">How many values a row has.</param>
    public SqliteRowUpsert(SqliteConnection connection, string sql, int count)
    {
        db = connection.Handle ?? throw new InvalidOperationException("the SQLite connection is not open");
        var rc = raw.sqlite3_prepare_v2(db, sql, out statement);
        SqliteException.ThrowExceptionForRC(rc, db);
        if (raw.sqlite3_bind_parameter_count(statement) != count)
        {
            statement.Dispose();
            throw new ArgumentException("the statement's parameters do not match the values", nameof(sql));
        }

        this.count = count;
    }

    /// <summary>Writes one row; returns the integer its statement returns (the row id).</summary>
    /// <exception cref="SqliteException">SQLite refused the row (a constraint, a busy database).</exception>
    public long Run(object?[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length != count)
        {
            throw new ArgumentException("a row must have one value per parameter", nameof(values));
        }

        try
        {
            for (var i = 0; i < values.Length; i++)
            {
                Check(Bind(i + 1, values[i]));
            }

            var rc = raw.sqlite3_step(statement);
            if (rc != raw.SQLITE_ROW)
            {
                SqliteException.ThrowExceptionForRC(rc, db);
                throw new InvalidOperationException("the upsert returned no row id");
            }

            return raw.sqlite3_column_int64(statement, 0);
        }
        finally
        {
            raw.sqlite3_reset(statement);
            raw.sqlite3_clear_bindings(statement);
        }
    }

    public void Dispose() => statement.Dispose();

    private int Bind(int index, object? value) => value switch
    {
        null or DBNull => raw.sqlite3_bind_null(statement, index),
        string text => raw.sqlite3_bind_text(statement, index, text),
        bool flag => raw.sqlite3_bind_int64(statement, index, flag ? 1 : 0),
        long number => raw.sqlite3_bind_int64(statement, index, number),
        int number => raw.sqlite3_bind_int64(statement, index, number),
        DateTime time => raw.sqlite3_bind_text(statement, index, time.ToString(@"yyyy\-MM\-dd HH\:mm\:ss.FFFFFFF", CultureInfo.InvariantCulture)),
        _ => throw new ArgumentException($"no SQLite binding for {value.GetType().Name}", nameof(value)),
    };

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(rc, db);
        }
    }
}
