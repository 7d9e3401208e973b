using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Unicode;

namespace Dxmig.Platform.Reconciliation;

/// <summary>
/// Finishes a report folder: <c>accounts.csv</c> and <c>containers.csv</c> beside the finding lists the sink wrote,
/// <c>summary.json</c> for automation, and the self-contained <c>index.html</c>.
/// </summary>
public static class ReportWriter
{
    public const string SummaryFile = "summary.json";
    public const string HtmlFile = "index.html";

    internal static readonly JsonSerializerOptions Json = new()
    {
        Encoder = JavaScriptEncoder.Create(UnicodeRanges.All), // Japanese as it is; < > & ' still escaped, so it is safe inside <script>
        WriteIndented = false,
    };

    private static readonly string[] TallyHeader =
    [
        "source_items", "source_bytes", "target_items", "target_bytes", "matched", "missing", "extra", "doubled", "differences", "exceptions",
        "not_ours", "kept_by_policy", "ledger_loaded", "ledger_loaded_bytes", "ledger_skipped", "ledger_quarantined", "completion_percent",
        "arrived", "should_arrive", "quarantined", "skipped", "unreadable", "deleted_on_target",
    ];

    /// <summary>Writes the rest of the report; returns the summary that went into <c>summary.json</c>.</summary>
    /// <exception cref="IOException">The folder cannot be written.</exception>
    public static async Task<JsonObject> WriteAsync(ReportSink sink, ReportHeader header, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(header);
        sink.CloseLists();
        var accounts = sink.Accounts;
        using (var csv = CsvCells.Create(Path.Combine(sink.Folder, "accounts.csv"), ["account", "verdict", "reason", .. TallyHeader]))
        {
            foreach (var a in accounts)
            {
                // An account that could not be reconciled has no figures: its cells stay empty, never 0 or 100%.
                await csv.WriteAsync(CsvCells.Line([a.Account, VerdictName(a.Verdict), a.Reason, .. a.Reconciled ? TallyCells(a.Totals) : TallyHeader.Select(_ => string.Empty)]));
            }
        }

        using (var csv = CsvCells.Create(Path.Combine(sink.Folder, "containers.csv"), ["account", "container", .. TallyHeader]))
        {
            foreach (var a in accounts)
            {
                foreach (var c in a.Containers)
                {
                    await csv.WriteAsync(CsvCells.Line([a.Account, c.Container, .. TallyCells(c)]));
                }
            }
        }

        using (var csv = CsvCells.Create(Path.Combine(sink.Folder, "conflicts.csv"), ["kind", "subject", "detail"]))
        {
            foreach (var c in header.Conflicts)
            {
                await csv.WriteAsync(CsvCells.Line([c.Kind, c.Subject, c.Detail]));
            }
        }

        var summary = Summary(sink, header, accounts);
        await File.WriteAllTextAsync(Path.Combine(sink.Folder, SummaryFile), summary.ToJsonString(new JsonSerializerOptions(Json) { WriteIndented = true }), cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(sink.Folder, HtmlFile), ReportHtml.Render(header, accounts, summary), cancellationToken);
        return summary;
    }

    public static string VerdictName(Verdict verdict) => verdict switch
    {
        Verdict.Complete => "complete",
        Verdict.CompleteWithExceptions => "complete-with-exceptions",
        _ => "incomplete",
    };

    internal static JsonObject TallyJson(ContainerTally t) => new()
    {
        ["sourceItems"] = t.SourceItems,
        ["sourceBytes"] = t.SourceBytes,
        ["targetItems"] = t.TargetItems,
        ["targetBytes"] = t.TargetBytes,
        ["matched"] = t.Matched,
        ["missing"] = t.Missing,
        ["extra"] = t.Extra,
        ["doubled"] = t.Doubled,
        ["differences"] = t.Differences,
        ["exceptions"] = t.Exceptions,
        ["notOurs"] = t.NotOurs,
        ["keptByPolicy"] = t.KeptByPolicy,
        ["deletedOnTarget"] = t.DeletedOnTarget,
        ["ledgerLoaded"] = t.LedgerLoaded,
        ["ledgerLoadedBytes"] = t.LedgerLoadedBytes,
        ["ledgerSkipped"] = t.LedgerSkipped,
        ["ledgerQuarantined"] = t.LedgerQuarantined,
        ["ledgerRemoved"] = t.LedgerRemoved,
        ["completionPercent"] = t.CompletionPercent,
        ["arrived"] = t.Arrived,
        ["shouldArrive"] = t.ShouldArrive,
        ["quarantined"] = t.Quarantined,
        ["skipped"] = t.Skipped,
        ["unreadable"] = t.Unreadable,
    };

    private static IEnumerable<string> TallyCells(ContainerTally t) =>
    [
        N(t.SourceItems), N(t.SourceBytes), N(t.TargetItems), t.TargetBytes is { } b ? N(b) : string.Empty, N(t.Matched), N(t.Missing), N(t.Extra),
        N(t.Doubled), N(t.Differences), N(t.Exceptions), N(t.NotOurs), N(t.KeptByPolicy), N(t.LedgerLoaded), N(t.LedgerLoadedBytes), N(t.LedgerSkipped),
        N(t.LedgerQuarantined), t.CompletionPercent.ToString("0.##", CultureInfo.InvariantCulture),
        N(t.Arrived), N(t.ShouldArrive), N(t.Quarantined), N(t.Skipped), N(t.Unreadable), N(t.DeletedOnTarget),
    ];

    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static JsonObject Summary(ReportSink sink, ReportHeader header, IReadOnlyList<AccountReconciliation> accounts)
    {
        var totals = new ContainerTally("*") { TargetBytes = 0 };
        foreach (var a in accounts.Where(a => a.Reconciled))
        {
            totals.Add(a.Totals);
        }

        var quarantine = new JsonObject();
        foreach (var (code, count) in accounts.SelectMany(a => a.QuarantineCodes).GroupBy(p => p.Key, StringComparer.Ordinal)
                     .Select(g => (g.Key, g.Sum(p => p.Value))).OrderByDescending(p => p.Item2))
        {
            quarantine[code] = count;
        }

        var lists = new JsonObject();
        foreach (var (name, count) in sink.ListCounts)
        {
            lists[name] = new JsonObject { ["file"] = name + ".csv", ["rows"] = count };
        }

        lists["conflicts"] = new JsonObject { ["file"] = "conflicts.csv", ["rows"] = header.Conflicts.Count };
        var conflicts = new JsonObject();
        foreach (var g in header.Conflicts.GroupBy(c => c.Kind, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            conflicts[g.Key] = g.Count();
        }

        return new JsonObject
        {
            ["job"] = header.Job,
            ["kind"] = header.Kind,
            ["runId"] = header.RunId,
            ["started"] = header.Started.ToString("O", CultureInfo.InvariantCulture),
            ["ended"] = header.Ended.ToString("O", CultureInfo.InvariantCulture),
            ["seconds"] = Math.Round((header.Ended - header.Started).TotalSeconds, 2),
            ["mode"] = header.Deep ? "deep" : "metadata",
            ["conflicts"] = conflicts,
            ["source"] = header.Source,
            ["target"] = header.Target,
            ["compared"] = new JsonArray([.. header.Compared.Select(c => (JsonNode)c)]),
            ["requests"] = header.Requests,
            ["exitCode"] = sink.ExitCode,
            ["verdicts"] = new JsonObject
            {
                ["complete"] = accounts.Count(a => a.Verdict == Verdict.Complete),
                ["completeWithExceptions"] = accounts.Count(a => a.Verdict == Verdict.CompleteWithExceptions),
                ["incomplete"] = accounts.Count(a => a.Verdict == Verdict.Incomplete),
            },
            ["totals"] = accounts.Count > 0 && accounts.All(a => !a.Reconciled) ? NoCompletion(TallyJson(totals)) : TallyJson(totals),
            ["quarantineReasons"] = quarantine,
            ["reasons"] = ReasonsJson(ReconReason.Sum(accounts.SelectMany(a => a.Reasons))),
            ["accountsNotReconciled"] = accounts.Count(a => !a.Reconciled),
            ["nextSteps"] = new JsonArray([.. NextSteps.For(header, accounts).Select(n => (JsonNode)new JsonObject
            {
                ["id"] = n.Id,
                ["ja"] = n.Japanese,
                ["en"] = n.English,
                ["command"] = n.Command,
            })]),
            ["lists"] = lists,
            ["accounts"] = new JsonArray([.. accounts.Select(a => (JsonNode)new JsonObject
            {
                ["account"] = a.Account,
                ["verdict"] = VerdictName(a.Verdict),
                ["reason"] = a.Reason,
                ["reconciled"] = a.Reconciled,
                ["completionPercent"] = a.CompletionPercent,
                ["reasons"] = ReasonsJson(a.Reasons),
                ["totals"] = AccountTotals(a),
            })]),
        };
    }

    /// <summary>An account's figures; one that could not be reconciled has no completion (null, never 100).</summary>
    private static JsonObject AccountTotals(AccountReconciliation account)
    {
        var json = TallyJson(account.Totals);
        if (!account.Reconciled)
        {
            json["completionPercent"] = null;
        }

        return json;
    }

    private static JsonObject NoCompletion(JsonObject tally)
    {
        tally["completionPercent"] = null;
        return tally;
    }

    private static JsonArray ReasonsJson(IEnumerable<ReconReason> reasons) =>
        new([.. reasons.Select(r => (JsonNode)new JsonObject { ["kind"] = r.KindName, ["code"] = r.Code, ["count"] = r.Count, ["label"] = r.Label })]);
}
