using Dxmig.Contracts;
using Dxmig.Jobs.Common;
using Dxmig.Platform.JobFiles;
using Dxmig.Platform.Scheduling;
using Dxmig.Platform.Storage;

namespace Dxmig.Jobs.Planning;

/// <summary>The rate a plan is made with, where it came from, and one node's capacity for it (null: none named).</summary>
/// <param name="Rate">What the planner uses.</param>
/// <param name="Entry">The entry with every override applied (null: the kind's built-in rate, no file entry).</param>
/// <param name="Status">Measured, published or assumed.</param>
/// <param name="Source">File:line of the entry and of each override, or the flags.</param>
/// <param name="Basis">The bench, date, machine and load (or why it is assumed).</param>
/// <param name="NodeCapacity">One node's capacity the entry names, or null.</param>
public sealed record RateChoice(TargetRate Rate, PlanRate? Entry, RateStatus Status, string Source, string Basis, NodeCapacity? NodeCapacity);

/// <summary>
/// The rates files a plan reads: the shipped one (<c>mappings/plan-rates.yaml</c>, found like a mapping file from the
/// job's folder) and a whole file given instead (<c>--rates FILE</c>, else <c>$DXMIG_PLAN_RATES</c>). Either may be absent.
/// </summary>
public sealed record PlanRateFiles(PlanRateBook? Shipped, PlanRateBook? Given)
{
    public static PlanRateFiles None { get; } = new(null, null);

    /// <summary>
    /// Finds and reads the files for a job in <paramref name="jobFolder"/>: <paramref name="given"/> (else the
    /// environment's <see cref="PlanRateBook.Variable"/>) and the shipped file.
    /// </summary>
    /// <exception cref="ConfigurationException">A file has errors (every one listed), or the given file does not exist.</exception>
    public static PlanRateFiles Find(string jobFolder, string? given, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var diagnostics = new DiagnosticBag();
        var path = string.IsNullOrWhiteSpace(given) ? environment(PlanRateBook.Variable) : given;
        PlanRateBook? givenBook = null;
        if (!string.IsNullOrWhiteSpace(path))
        {
            givenBook = PlanRateBook.Load(path, diagnostics);
        }

        var (shipped, _) = MappingSearchPath.Resolve(PlanRateBook.FileName, jobFolder, environment);
        var shippedBook = shipped is null ? null : PlanRateBook.Load(shipped, diagnostics);
        if (diagnostics.HasErrors)
        {
            throw new ConfigurationException(diagnostics.Render());
        }

        return new PlanRateFiles(shippedBook, givenBook);
    }
}

/// <summary>
/// Chooses the rate of a job, strongest first: the command line's <c>--throughput</c> / <c>--items-per-second</c>
/// (below a published limit they can only lower it); the job file's <c>plan:</c> section, key by key; the entry for
/// the job's kind and target in a given rates file (<c>--rates</c> / <c>DXMIG_PLAN_RATES</c>), else in the shipped
/// one; else the kind's built-in rate (Graph's published limits, or a stated assumption).
/// </summary>
public static class PlanRates
{
    private const double MiB = 1024 * 1024;

    /// <summary>
    /// The target a job's rate is looked up by: its <c>target.type</c>, except the platform store (<c>platform-*</c>),
    /// which is <c>sqlite</c> or <c>postgresql</c> by its <c>store</c> (empty: the embedded SQLite file).
    /// </summary>
    public static string TargetOf(JobFile job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var type = job.Target.Value("type") ?? string.Empty;
        if (!type.StartsWith("platform-", StringComparison.Ordinal))
        {
            return type;
        }

        var store = job.Target.Value("store");
        return !string.IsNullOrWhiteSpace(store) && StoreLocation.LooksLikePostgres(store) ? "postgresql" : "sqlite";
    }

    /// <summary>The rate for <paramref name="job"/>.</summary>
    /// <exception cref="ConfigurationException">The job's <c>plan:</c> section has errors (every one listed), or the kind cannot be sized.</exception>
    public static RateChoice Choose(IBoundJob job, PlanRateFiles files, GivenThroughput given)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(given);
        var kind = job.File.Kind;
        var target = TargetOf(job.File);
        var entry = files.Given?.Find(kind, target) ?? files.Shipped?.Find(kind, target);
        var section = job.File.Plan;
        if (entry is null && section is null)
        {
            // No entry anywhere: the kind's own rate, as before rates files (flags applied by the kind).
            var builtIn = job.RateOf(given);
            var status = builtIn.Name == TargetRate.Graph.Name && !given.Any ? RateStatus.Published : given.Any ? RateStatus.Measured : RateStatus.Assumed;
            var source = given.Any
                ? $"コマンドライン / command line: {given.Describe()}"
                : $"組み込みの値 (速度の設定ファイルに {kind} → {target} がありません) / built in: no entry for {kind} → {target} in a rates file";
            return new RateChoice(builtIn, null, status, source, builtIn.Basis, null);
        }

        entry ??= FromBuiltIn(job.RateOf(new GivenThroughput(null, null)), kind, target);
        if (section is not null)
        {
            var before = section.Diagnostics.Items.Count;
            entry = PlanRateBook.ApplySection(entry, section);
            var added = section.Diagnostics.Items.Skip(before).Where(d => d.Severity == Severity.Error).ToList();
            if (added.Count > 0)
            {
                throw new ConfigurationException(string.Join(Environment.NewLine, added.Select(d => d.ToString())));
            }
        }

        entry = WithFlags(entry, given);
        return new RateChoice(entry.ToTargetRate(), entry, entry.Status, entry.Source, entry.Basis, entry.NodeCapacity);
    }

    /// <summary>
    /// The command line's figures over an entry: they replace a measured or assumed rate; below a published limit (a
    /// service's budget) they can only lower it.
    /// </summary>
    public static PlanRate WithFlags(PlanRate entry, GivenThroughput given)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(given);
        if (!given.Any)
        {
            return entry;
        }

        var published = entry.Status == RateStatus.Published;
        double? Pick(double? current, double? flag) =>
            flag is not { } value ? current : published && current is { } limit ? Math.Min(limit, value) : value;

        var flags = new List<string>();
        if (given.MegabytesPerSecond is { } mb)
        {
            flags.Add($"--throughput {mb.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        }

        if (given.ItemsPerSecond is { } items)
        {
            flags.Add($"--items-per-second {items.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        }

        return entry with
        {
            MegabytesPerSecond = Pick(entry.MegabytesPerSecond, given.MegabytesPerSecond),
            ItemsPerSecond = Pick(entry.ItemsPerSecond, given.ItemsPerSecond),
            Status = published ? RateStatus.Published : RateStatus.Measured,
            Source = $"{entry.Source}; {string.Join(", ", flags)}" + (published ? " (公表の上限より下げるだけ / can only lower a published limit)" : string.Empty),
        };
    }

    /// <summary>A kind's built-in rate as an entry, to apply a job's <c>plan:</c> section over.</summary>
    private static PlanRate FromBuiltIn(TargetRate rate, string kind, string target) => new(kind, target)
    {
        ItemsPerSecond = double.IsFinite(rate.RequestsPerSecond) ? rate.RequestsPerSecond / rate.RequestsPerItem : null,
        MegabytesPerSecond = double.IsFinite(rate.BytesPerSecond) ? rate.BytesPerSecond / MiB : null,
        RequestsPerItem = rate.RequestsPerItem,
        Status = rate.Name == TargetRate.Graph.Name ? RateStatus.Published : RateStatus.Assumed,
        Basis = rate.Basis,
        Source = "組み込みの値 / built in",
    };
}
