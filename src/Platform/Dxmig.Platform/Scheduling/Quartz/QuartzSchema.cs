using Dxmig.Platform.Storage;

namespace Dxmig.Platform.Scheduling.Quartz;

/// <summary>
/// Creates Quartz's job-store tables (the pinned Quartz 4.7.3's own schema, embedded) in the scheduler's database
/// when they are missing, and records the version in <c>dxmig_schema</c> as component <c>quartz</c>, like the
/// ledger and the platform store do. Idempotent; two nodes starting at once on PostgreSQL are serialised by
/// <see cref="SchemaBootstrap"/>'s advisory lock.
/// </summary>
public static class QuartzSchema
{
    public const string Component = "quartz";

    /// <summary>Version 1: Quartz 4.7.3's schema. Raise it (and add the migration) when Quartz's schema changes.</summary>
    public const int Version = 1;

    /// <summary>The table prefix dxmig gives Quartz (Quartz's default).</summary>
    public const string TablePrefix = "QRTZ_";

    /// <exception cref="StoreSchemaException">The database holds another version of the Quartz schema.</exception>
    public static async Task EnsureAsync(StoreLocation location, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(location);
        await using var connection = await StoreConnections.OpenAsync(location, cancellationToken);
        await SchemaBootstrap.EnsureAsync(
            connection, location.Provider == StoreProvider.Sqlite, () => Script(location.Provider), Component, Version, cancellationToken);
    }

    /// <summary>The creation script for the engine, with the table prefix filled in.</summary>
    public static string Script(StoreProvider provider)
    {
        var prefix = provider == StoreProvider.Sqlite ? TablePrefix : "qrtz_";
        var script = Resource(provider).Replace("{0}", prefix, StringComparison.Ordinal).Replace("{1}", prefix, StringComparison.Ordinal);
        // Statements are separated by a line reading "--;;" and need not end in ';' (a trigger's END does not):
        // joined here into one batch with each statement terminated.
        var statements = script.ReplaceLineEndings("\n").Split("\n--;;\n")
            .Select(piece => string.Join('\n', piece.Split('\n').Where(line => !line.StartsWith("--", StringComparison.Ordinal))).Trim())
            .Where(piece => piece.Length > 0)
            .Select(piece => piece.EndsWith(';') ? piece : piece + ";");
        return string.Join("\n", statements);
    }

    /// <summary>The embedded script as stored (header included, placeholders not filled).</summary>
    public static string Resource(StoreProvider provider)
    {
        var name = provider == StoreProvider.Sqlite ? "Dxmig.Scheduling.quartz_sqlite.sql" : "Dxmig.Scheduling.quartz_postgres.sql";
        using var stream = typeof(QuartzSchema).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"resource {name} is missing from the build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
