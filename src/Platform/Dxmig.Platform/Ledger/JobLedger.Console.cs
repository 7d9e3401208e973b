using System.Globalization;
using System.Text;
using Dxmig.Platform.Storage;

namespace Dxmig.Platform.Ledger;

/// <summary>One page of ledger items and how many match in all.</summary>
/// <param name="Items">The page, in id order.</param>
/// <param name="Total">How many items match; when <paramref name="TotalIsLowerBound"/> it is the cap: "more than" this many.</param>
/// <param name="TotalIsLowerBound">Counting stopped at the cap (<see cref="JobLedger.SearchCountCap"/>, with text <see cref="JobLedger.TextSearchCountCap"/>): more items match.</param>
/// <param name="Offset">The first item's position among the matches (0-based).</param>
/// <param name="Limit">The page size asked for (after clamping).</param>
public sealed record LedgerItemPage(IReadOnlyList<LedgerItem> Items, long Total, bool TotalIsLowerBound, int Offset, int Limit);

/// <summary>How many items of one state carry one code (a skip rule or a quarantine reason), and their bytes.</summary>
/// <param name="Code">The rule or reason code; null for items written without one.</param>
/// <param name="Count">How many items.</param>
/// <param name="Bytes">Their size in all.</param>
public sealed record LedgerCodeCount(string? Code, long Count, long Bytes);

/// <summary>The operator console's reads of the ledger: searching items page by page, counts per rule, one run.</summary>
public sealed partial class JobLedger
{
    /// <summary>Matches are counted up to this many; beyond it a page says "more than" (<see cref="LedgerItemPage.TotalIsLowerBound"/>).</summary>
    public const int SearchCountCap = 100_000;

    /// <summary>Matches of a text search are counted up to this many (text is in no index: counting reads the rows).</summary>
    public const int TextSearchCountCap = 10_000;

    /// <summary>The largest page a search returns.</summary>
    public const int MaxSearchPage = 500;

    /// <summary>
    /// Items of a job in one state, page by page in id order (a stable order while rows are added): optionally only those
    /// a run wrote last (<paramref name="runId"/>), and only those whose account, native id (source key), code or message
    /// contains <paramref name="text"/> (case-insensitive; <c>%</c>, <c>_</c> and <c>\</c> are matched as themselves).
    /// </summary>
    /// <param name="job">The job's name.</param>
    /// <param name="state">The items' state (<see cref="ItemState.Quarantined"/> for the quarantine list).</param>
    /// <param name="runId">Only the items this run wrote last; null: every run's.</param>
    /// <param name="text">Text to look for; null or blank: every item.</param>
    /// <param name="offset">How many matches to skip (clamped to 0 or more).</param>
    /// <param name="limit">The page size (clamped to 1–<see cref="MaxSearchPage"/>).</param>
    /// <param name="cancellationToken">Cancels the queries.</param>
    public Task<LedgerItemPage> SearchItemsAsync(
        string job, ItemState state, string? runId, string? text, int offset, int limit, CancellationToken cancellationToken) =>
        SearchItemsAsync(job, state, runId, code: null, text, offset, limit, cancellationToken);

    /// <summary>
    /// As <see cref="SearchItemsAsync(string, ItemState, string?, string?, int, int, CancellationToken)"/>, and only items
    /// carrying <paramref name="code"/> (one skip rule or quarantine reason) when it is given.
    /// </summary>
    public async Task<LedgerItemPage> SearchItemsAsync(
        string job, ItemState state, string? runId, string? code, string? text, int offset, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        offset = Math.Max(0, offset);
        limit = Math.Clamp(limit, 1, MaxSearchPage);
        var (where, parameters) = SearchFilter(job, state, runId, code, text);
        var withText = !string.IsNullOrWhiteSpace(text);
        var cap = withText ? TextSearchCountCap : SearchCountCap;

        // Without text, the page's ids come from the index on (job, last run, state), which holds every id (SQLite: no row
        // is read until the page is known). Text is in no index: SQLite then reads the table in id order, which stops as
        // soon as a page is full, rather than reading every item of the job through the index and sorting them.
        var table = withText && string.IsNullOrEmpty(runId) && Location.Provider == StoreProvider.Sqlite ? "ledger_items NOT INDEXED" : "ledger_items";
        var sql = withText
            ? $"SELECT {ItemColumns} FROM {table} WHERE {where} ORDER BY \"Id\" LIMIT @limit OFFSET @offset"
            : $"SELECT {ItemColumns} FROM ledger_items WHERE \"Id\" IN (SELECT \"Id\" FROM ledger_items WHERE {where} ORDER BY \"Id\" LIMIT @limit OFFSET @offset) ORDER BY \"Id\"";
        await using var connection = await StoreConnections.OpenAsync(Location, cancellationToken);
        var items = await QueryOn(connection, null, sql, ReadItem, cancellationToken, [.. parameters, ("limit", limit), ("offset", offset)]);

        // The total: known from a page that is not full; else counted no further than the cap (+1 to know there are more).
        if (items.Count < limit && (items.Count > 0 || offset == 0))
        {
            return new LedgerItemPage(items, offset + items.Count, false, offset, limit);
        }

        var counted = await QueryOn(
            connection, null,
            $"SELECT COUNT(*) FROM (SELECT 1 FROM {table} WHERE {where} LIMIT @cap) AS matches",
            reader => Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture),
            cancellationToken,
            [.. parameters, ("cap", cap + 1)]);
        var total = counted[0];

        // Past the cap: "more than" the cap, or than the items up to this page when it lies beyond the cap.
        return total > cap
            ? new LedgerItemPage(items, Math.Max(cap, offset + items.Count), true, offset, limit)
            : new LedgerItemPage(items, total, false, offset, limit);
    }

    /// <summary>
    /// Items of a job in one state grouped by code (for <see cref="ItemState.Skipped"/>: the skip rules; for
    /// <see cref="ItemState.Quarantined"/>: the reasons), most frequent first (then by code, none first); only those a run wrote last when
    /// <paramref name="runId"/> is given.
    /// </summary>
    public async Task<IReadOnlyList<LedgerCodeCount>> CountByCodeAsync(string job, ItemState state, string? runId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var (where, parameters) = SearchFilter(job, state, runId, code: null, text: null);
        return await QueryAsync(
            $"SELECT \"Code\", COUNT(*), COALESCE(SUM(\"Size\"), 0) FROM ledger_items WHERE {where} GROUP BY \"Code\" ORDER BY COUNT(*) DESC, COALESCE(\"Code\", '')",
            reader => new LedgerCodeCount(
                reader.IsDBNull(0) ? null : reader.GetString(0),
                Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture),
                Convert.ToInt64(reader.GetValue(2), CultureInfo.InvariantCulture)),
            cancellationToken,
            parameters);
    }

    /// <summary>One run of a job; null when the ledger has no such run of that job.</summary>
    public async Task<LedgerRun?> FindRunAsync(string job, string runId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(runId);
        var rows = await QueryAsync(
            $"SELECT {RunColumns} FROM ledger_runs WHERE \"RunId\" = @run AND \"Job\" = @job", ReadRun, cancellationToken, ("run", runId), ("job", job));
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>The text as a LIKE pattern matching it anywhere, its wildcards and the escape character taken literally.</summary>
    internal static string ContainsPattern(string text)
    {
        var pattern = new StringBuilder(text.Length + 2).Append('%');
        foreach (var c in text)
        {
            if (c is '%' or '_' or '\\')
            {
                pattern.Append('\\');
            }

            pattern.Append(c);
        }

        return pattern.Append('%').ToString();
    }

    private (string Where, (string Name, object? Value)[] Parameters) SearchFilter(string job, ItemState state, string? runId, string? code, string? text)
    {
        var where = new StringBuilder("\"Job\" = @job AND \"State\" = @state");
        var parameters = new List<(string, object?)> { ("job", job), ("state", state.ToString()) };
        if (!string.IsNullOrEmpty(runId))
        {
            where.Append(" AND \"LastRunId\" = @run");
            parameters.Add(("run", runId));
        }

        if (!string.IsNullOrEmpty(code))
        {
            where.Append(" AND \"Code\" = @code");
            parameters.Add(("code", code));
        }

        if (!string.IsNullOrWhiteSpace(text))
        {
            // SQLite's LIKE ignores the case of ASCII letters; PostgreSQL's ILIKE that of every letter.
            var like = Location.Provider == StoreProvider.PostgreSql ? "ILIKE" : "LIKE";
            where.Append(CultureInfo.InvariantCulture,
                $" AND (\"Account\" {like} @text ESCAPE '\\' OR \"NativeId\" {like} @text ESCAPE '\\' OR \"Code\" {like} @text ESCAPE '\\' OR \"Message\" {like} @text ESCAPE '\\')");
            parameters.Add(("text", ContainsPattern(text.Trim())));
        }

        return (where.ToString(), [.. parameters]);
    }
}
