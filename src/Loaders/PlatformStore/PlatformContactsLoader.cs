using Dxmig.Contracts;
using Dxmig.Contracts.Records;
using Dxmig.Platform.Storage;
using Microsoft.EntityFrameworkCore;

namespace Dxmig.Loaders.PlatformStore;

/// <summary>
/// Loads contacts into the platform store, upserting by source system, owner and native id: loading the same item
/// twice (a resumed batch, an in-doubt item) updates the one row and never adds a second. Returns <c>contacts/{id}</c>.
/// A removal deletes the row by the same key (a row already gone is no failure).
/// </summary>
public sealed class PlatformContactsLoader : ILoader<ContactRecord>, IKeyedUpsertLoader
{
    /// <summary>Every write is an upsert or delete by (source system, owner, native id) in one transaction per batch.</summary>
    public bool UpsertsByKey => true;

    private readonly DbContextOptions<PlatformDbContext> options;
    private readonly TimeProvider time;
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly bool serialize;

    private PlatformContactsLoader(StoreLocation location, TimeProvider time)
    {
        options = StoreContextFactory.CreateOptions<PlatformDbContext>(location);
        this.time = time;
        serialize = location.Provider == StoreProvider.Sqlite;
    }

    /// <summary>Opens the store, creating the contact tables when missing.</summary>
    /// <exception cref="StoreSchemaException">The database holds another schema version.</exception>
    public static async Task<PlatformContactsLoader> OpenAsync(StoreLocation location, TimeProvider time, CancellationToken cancellationToken)
    {
        var loader = new PlatformContactsLoader(location, time);
        await using var db = loader.CreateContext();
        await SchemaBootstrap.EnsureAsync(db, PlatformDbContext.Component, PlatformDbContext.SchemaVersion, cancellationToken);
        return loader;
    }

    public async Task<IReadOnlyList<LoadOutcome>> LoadAsync(string account, IReadOnlyList<LoadRequest<ContactRecord>> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (serialize)
        {
            await gate.WaitAsync(cancellationToken);
        }

        try
        {
            await using var db = CreateContext();
            var connection = db.Database.GetDbConnection();
            await db.Database.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = UpsertSql;

            // SQLite: the upsert prepared once on the connection's own handle, values bound by position and the row id read
            // straight from the step (no parameter look-up by name, no data reader per row); PostgreSQL keeps the command.
            using var raw = serialize ? new SqliteRowUpsert((Microsoft.Data.Sqlite.SqliteConnection)connection, UpsertSql, Columns.Length) : null;
            var now = time.GetUtcNow().UtcDateTime;
            var outcomes = new List<LoadOutcome>(batch.Count);
            foreach (var request in batch)
            {
                var contact = request.Item;
                if (contact.OwnerAccount != account)
                {
                    throw new InvalidOperationException("a contacts batch must hold one account");
                }

                if (request.Removal)
                {
                    // Gone from the export: the row goes (none there is the same end: removed once, or before a crash).
                    await using var delete = connection.CreateCommand();
                    delete.Transaction = transaction;
                    delete.CommandText = DeleteSql;
                    foreach (var (name, value) in new[] { ("system", contact.SourceSystem), ("owner", contact.OwnerAccount), ("id", contact.SourceNativeId) })
                    {
                        var parameter = delete.CreateParameter();
                        parameter.ParameterName = name;
                        parameter.Value = value;
                        delete.Parameters.Add(parameter);
                    }

                    await delete.ExecuteNonQueryAsync(cancellationToken);
                    outcomes.Add(LoadOutcome.Loaded(request.PreviousTargetKey ?? "contacts/removed"));
                    continue;
                }

                long id;
                if (raw is not null)
                {
                    id = raw.Run(Values(contact, now));
                }
                else
                {
                    Bind(command, contact, now, string.Empty);
                    id = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
                }

                outcomes.Add(LoadOutcome.Loaded($"contacts/{id}"));
            }

            raw?.Dispose();
            await transaction.CommitAsync(cancellationToken);
            return outcomes;
        }
        finally
        {
            if (serialize)
            {
                gate.Release();
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        gate.Dispose();
        return ValueTask.CompletedTask;
    }

    internal PlatformDbContext CreateContext() => new(options);

    private static readonly string[] Columns =
    [
        "SourceSystem", "OwnerAccount", "SourceNativeId", "OwnerTarget", "ContentHash", "SourceLocation", "DisplayName",
        "Name", "Kana", "KanaNormalized", "Email", "EmailNormalized", "Organization", "Department", "Title",
        "Phone1", "Phone1E164", "Phone2", "Phone2E164", "Phone3", "Phone3E164", "Fax", "FaxE164",
        "PostalCode", "PostalCodeNormalized", "Prefecture", "City", "Street", "Url", "Memo", "Gaiji", "HasUnmappedGaiji",
        "CreatedUtc", "UpdatedUtc",
    ];

    /// <summary>Upsert by natural key, in SQL SQLite and PostgreSQL share; returns the row id either way.</summary>
    private static readonly string UpsertSql =
        $"INSERT INTO contacts ({string.Join(", ", Columns.Select(c => $"\"{c}\""))}) " +
        $"VALUES ({string.Join(", ", Columns.Select(c => "@" + c))}) " +
        "ON CONFLICT (\"SourceSystem\", \"OwnerAccount\", \"SourceNativeId\") DO UPDATE SET " +
        string.Join(", ", Columns.Skip(3).Where(c => c != "CreatedUtc").Select(c => $"\"{c}\" = excluded.\"{c}\"")) +
        " RETURNING \"Id\"";

    private const string DeleteSql =
        "DELETE FROM contacts WHERE \"SourceSystem\" = @system AND \"OwnerAccount\" = @owner AND \"SourceNativeId\" = @id";

    /// <summary>The contacts table's columns compared by reconciliation (content; not keys, hashes, locations or times).</summary>
    public static IReadOnlyList<string> ComparedColumns { get; } = Columns[6..^2];

    private static readonly System.Reflection.PropertyInfo[] ComparedProperties = [.. Columns[6..^2].Select(c => typeof(ContactEntity).GetProperty(c)!)];

    /// <summary>What a <c>contacts</c> row holds in <see cref="ComparedColumns"/>, as text (null as empty).</summary>
    public static Dictionary<string, string> Fields(ContactEntity row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return Fields(row, ComparedProperties);
    }

    /// <summary>The named properties of a row as text (null as empty), by property name.</summary>
    internal static Dictionary<string, string> Fields(object row, System.Reflection.PropertyInfo[] properties)
    {
        var fields = new Dictionary<string, string>(properties.Length, StringComparer.Ordinal);
        foreach (var property in properties)
        {
            fields[property.Name] = Text(property.GetValue(row));
        }

        return fields;
    }

    /// <summary>What the row of a contact holds in <see cref="ComparedColumns"/>, as text (null as empty).</summary>
    public static Dictionary<string, string> Fields(ContactRecord contact)
    {
        ArgumentNullException.ThrowIfNull(contact);
        var values = Values(contact, DateTime.UnixEpoch);
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 6; i < Columns.Length - 2; i++)
        {
            fields[Columns[i]] = Text(values[i]);
        }

        return fields;
    }

    /// <summary>A column value as reconciliation compares it.</summary>
    public static string Text(object? value) => value switch
    {
        null or DBNull => string.Empty,
        bool b => b ? "1" : "0",
        long or int => Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture) != 0 ? "1" : "0",
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty,
    };

    private static object?[] Values(ContactRecord contact, DateTime now)
    {
        var o = contact.Original;
        return
        [
            contact.SourceSystem, contact.OwnerAccount, contact.SourceNativeId, contact.OwnerTarget, contact.ContentHash,
            contact.SourceLocation, contact.DisplayName, o.Name, o.Kana, contact.KanaNormalized, o.Email, contact.EmailNormalized,
            o.Organization, o.Department, o.Title, o.Phone1, contact.Phone1E164, o.Phone2, contact.Phone2E164, o.Phone3,
            contact.Phone3E164, o.Fax, contact.FaxE164, o.PostalCode, contact.PostalCodeNormalized, o.Prefecture, o.City,
            o.Street, o.Url, o.Memo, contact.Gaiji, contact.HasUnmappedGaiji, now, now,
        ];
    }

    /// <summary>
    /// Binds a contact's values: the parameters are made for the first row and only re-valued after (SQLite: named
    /// with the SQL's "@", so the driver finds each with one look-up instead of trying every prefix).
    /// </summary>
    private static void Bind(System.Data.Common.DbCommand command, ContactRecord contact, DateTime now, string prefix)
    {
        var values = Values(contact, now);
        var parameters = command.Parameters;
        if (parameters.Count != Columns.Length)
        {
            parameters.Clear();
            for (var i = 0; i < Columns.Length; i++)
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = prefix + Columns[i];
                parameters.Add(parameter);
            }
        }

        for (var i = 0; i < Columns.Length; i++)
        {
            parameters[i].Value = values[i] ?? DBNull.Value;
        }
    }
}
