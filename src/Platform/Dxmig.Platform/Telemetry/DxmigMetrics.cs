using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Pipeline;

namespace Dxmig.Platform.Telemetry;

/// <summary>
/// The one <see cref="Meter"/> of dxmig (<see cref="MeterName"/>) and its instruments, for the people who watch the
/// servers: an OpenTelemetry exporter (the console's Prometheus scrape endpoint) subscribes to the meter by name. Every
/// hook is one call from the place where the thing happens; a measurement nobody listens to costs a flag test and
/// allocates nothing. Tag values are words from fixed lists (a job's and its kind's name, an outcome, a quarantine code,
/// an endpoint kind), never an account or an item. Dry runs are not measured: they write nothing.
/// </summary>
public static class DxmigMetrics
{
    /// <summary>The meter's name, what an exporter subscribes to.</summary>
    public const string MeterName = "Dxmig";

    /// <summary>The tag with the job's name (not "job": Prometheus gives that label to the scrape target).</summary>
    public const string JobTag = "job_name";

    /// <summary>The tag with the job's kind (<c>mail</c>, <c>staff</c>…).</summary>
    public const string KindTag = "kind";

    /// <summary>The tag with an item's outcome (<see cref="ItemOutcomes"/>) or a run's (<see cref="RunOutcomeWord"/>).</summary>
    public const string OutcomeTag = "outcome";

    /// <summary>The tag with a quarantine's code (<c>too-large-for-target</c>, <c>bad-date</c>…).</summary>
    public const string ReasonTag = "reason";

    /// <summary>The tag with the kind of endpoint that asked dxmig to wait (<c>graph</c>, <c>imap</c>, <c>exchange-imap</c>).</summary>
    public const string EndpointTag = "endpoint";

    /// <summary>A job whose kind is not known at the hook (settings made by hand in a test).</summary>
    public const string UnknownKind = "unknown";

    /// <summary>A quarantine code that is not a plain word (kept out of the tags, so a label never carries free text).</summary>
    public const string OtherReason = "other";

    private static readonly Meter Meter = new(MeterName, typeof(DxmigMetrics).Assembly.GetName().Version?.ToString(3));

    private static readonly Counter<long> Items = Meter.CreateCounter<long>(
        "dxmig.items", "{item}", "Items processed, by job, kind and outcome (loaded, skipped, quarantined, already_done, removed)");

    private static readonly Counter<long> Bytes = Meter.CreateCounter<long>(
        "dxmig.bytes", "By", "Source bytes of the items processed, by job, kind and outcome");

    private static readonly Counter<long> Quarantines = Meter.CreateCounter<long>(
        "dxmig.quarantines", "{item}", "Items quarantined, by job, kind and reason (the quarantine code)");

    private static readonly Counter<long> ThrottleWaits = Meter.CreateCounter<long>(
        "dxmig.throttle.waits", "{wait}", "Waits a target or source asked for (Graph 429 Retry-After, Exchange IMAP Suggested Backoff Time), by endpoint kind");

    // Bucket advice (an exporter's defaults, 0–10000 with the first at 5, suit milliseconds, not these seconds).
    private static readonly Histogram<double> ThrottleWaitDuration = Meter.CreateHistogram(
        "dxmig.throttle.wait.duration", "s", "How long each throttling wait was (what the server asked for), by endpoint kind", tags: null,
        new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600] });

    // Accounts in flight are kept here and observed when an exporter collects, so a listener that subscribes while
    // accounts run still sees the right number (an up-down counter would miss the starts before it listened).
    private static readonly ConcurrentDictionary<(string Job, string Kind), StrongBox<long>> InFlightAccounts = new();

    private static readonly ObservableUpDownCounter<long> AccountsInFlight = Meter.CreateObservableUpDownCounter(
        "dxmig.accounts.in_flight", ObserveInFlight, "{account}", "Accounts this process is working on now, by job and kind");

    private static readonly Counter<long> LeaseTakeovers = Meter.CreateCounter<long>(
        "dxmig.lease.takeovers", "{takeover}", "Accounts of a cluster run this process took over from a node that stopped heartbeating, by job");

    private static readonly Histogram<double> RunDuration = Meter.CreateHistogram(
        "dxmig.run.duration", "s", "How long a run took from start to end, by job, kind and outcome; recorded once per run, by the process that completed it", tags: null,
        new InstrumentAdvice<double> { HistogramBucketBoundaries = [10, 60, 300, 900, 1800, 3600, 7200, 14400, 28800, 43200, 86400] });

    private static readonly Counter<long> Runs = Meter.CreateCounter<long>(
        "dxmig.runs", "{run}", "Runs completed, by job, kind and outcome (succeeded, quarantined, needs_attention, failed, stopped)");

    /// <summary>The words of the item outcome tag, in the ledger's accounting order.</summary>
    public static IReadOnlyList<string> ItemOutcomes { get; } = ["loaded", "removed", "skipped", "quarantined", "already_done"];

    /// <summary>
    /// One item of a run ended in <paramref name="state"/> (the ledger has just recorded it): counted with its source
    /// bytes, and a quarantine also by its <paramref name="code"/>.
    /// </summary>
    public static void ItemRecorded(RunSettings settings, ItemState state, long bytes, string? code)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.DryRun || !(Items.Enabled || Bytes.Enabled || Quarantines.Enabled))
        {
            return;
        }

        Item(settings, state switch
        {
            ItemState.Loaded => "loaded",
            ItemState.Removed => "removed",
            ItemState.Skipped => "skipped",
            ItemState.Quarantined => "quarantined",
            _ => "pending",
        }, bytes);
        if (state == ItemState.Quarantined && Quarantines.Enabled)
        {
            var tags = new TagList { { JobTag, settings.Job }, { KindTag, Kind(settings) }, { ReasonTag, Reason(code) } };
            Quarantines.Add(1, tags);
        }
    }

    /// <summary>One item of a run found already done (the ledger holds it loaded with the same content, or already removed).</summary>
    public static void ItemAlreadyDone(RunSettings settings, long bytes)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.DryRun || !(Items.Enabled || Bytes.Enabled))
        {
            return;
        }

        Item(settings, "already_done", bytes);
    }

    /// <summary>An account of a run starts (the accounts in flight go up by one); pair with <see cref="AccountEnded"/>.</summary>
    public static void AccountStarted(RunSettings settings) => InFlight(settings, 1);

    /// <summary>An account of a run ends, however it ended (the accounts in flight go down by one).</summary>
    public static void AccountEnded(RunSettings settings) => InFlight(settings, -1);

    /// <summary>
    /// This process claimed an account of <paramref name="job"/>'s cluster run that a node which stopped heartbeating
    /// held (not one given back after a stop).
    /// </summary>
    public static void LeaseTakenOver(string job)
    {
        if (LeaseTakeovers.Enabled)
        {
            LeaseTakeovers.Add(1, new KeyValuePair<string, object?>(JobTag, job));
        }
    }

    /// <summary>
    /// A run ended and its outcome is final (the process that completed it calls this, once per run): counted, and its
    /// duration from the ledger's start and end times recorded.
    /// </summary>
    public static void RunCompleted(RunSettings settings, LedgerRun run)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(run);
        if (run.DryRun || !(Runs.Enabled || RunDuration.Enabled))
        {
            return;
        }

        var tags = new TagList { { JobTag, settings.Job }, { KindTag, Kind(settings) }, { OutcomeTag, RunOutcomeWord(run.Outcome) } };
        Runs.Add(1, tags);
        if (run.EndedUtc is { } ended)
        {
            RunDuration.Record(Math.Max(0, (ended - run.StartedUtc).TotalSeconds), tags);
        }
    }

    /// <summary>dxmig waits because <paramref name="endpoint"/> asked it to (a throttled request), for <paramref name="wait"/>.</summary>
    public static void ThrottleWaited(ThrottledEndpoint endpoint, TimeSpan wait)
    {
        if (!(ThrottleWaits.Enabled || ThrottleWaitDuration.Enabled))
        {
            return;
        }

        var tag = new KeyValuePair<string, object?>(EndpointTag, endpoint switch
        {
            ThrottledEndpoint.Graph => "graph",
            ThrottledEndpoint.ExchangeImap => "exchange-imap",
            _ => "imap",
        });
        ThrottleWaits.Add(1, tag);
        ThrottleWaitDuration.Record(Math.Max(0, wait.TotalSeconds), tag);
    }

    /// <summary>A run's outcome as the <c>outcome</c> tag of <c>dxmig.runs</c> and <c>dxmig.run.duration</c>.</summary>
    public static string RunOutcomeWord(RunOutcome outcome) => outcome switch
    {
        RunOutcome.Succeeded => "succeeded",
        RunOutcome.CompletedWithQuarantine => "quarantined",
        RunOutcome.CompletedWithWarnings => "needs_attention",
        RunOutcome.Failed => "failed",
        RunOutcome.Stopped => "stopped",
        RunOutcome.Interrupted => "interrupted",
        _ => "running",
    };

    /// <summary>
    /// A quarantine code as a tag value: the code when it is a plain word of the fixed vocabulary (lower-case letters,
    /// digits, '-', '_', ':' ; at most 64 characters), else <see cref="OtherReason"/>.
    /// </summary>
    public static string Reason(string? code)
    {
        if (string.IsNullOrEmpty(code) || code.Length > 64)
        {
            return OtherReason;
        }

        foreach (var c in code)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or ':'))
            {
                return OtherReason;
            }
        }

        return code;
    }

    private static void Item(RunSettings settings, string outcome, long bytes)
    {
        var tags = new TagList { { JobTag, settings.Job }, { KindTag, Kind(settings) }, { OutcomeTag, outcome } };
        Items.Add(1, tags);
        Bytes.Add(bytes, tags);
    }

    private static void InFlight(RunSettings settings, int delta)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.DryRun)
        {
            return;
        }

        // Always counted (an account starts and ends rarely), so the number is right whenever someone starts listening.
        var count = InFlightAccounts.GetOrAdd((settings.Job, Kind(settings)), static _ => new StrongBox<long>());
        Interlocked.Add(ref count.Value, delta);
    }

    private static IEnumerable<Measurement<long>> ObserveInFlight()
    {
        foreach (var ((job, kind), count) in InFlightAccounts)
        {
            yield return new Measurement<long>(Interlocked.Read(ref count.Value), new KeyValuePair<string, object?>(JobTag, job), new KeyValuePair<string, object?>(KindTag, kind));
        }
    }

    private static string Kind(RunSettings settings) => settings.Kind ?? UnknownKind;
}

/// <summary>The kind of endpoint that asked dxmig to wait (the <c>endpoint</c> tag of the throttling metrics).</summary>
public enum ThrottledEndpoint
{
    /// <summary>Microsoft Graph (429 with Retry-After), requests and upload sessions.</summary>
    Graph,

    /// <summary>An IMAP server signed in with a password (a site's own server).</summary>
    Imap,

    /// <summary>Exchange Online's IMAP (an OAuth sign-in), which answers "Suggested Backoff Time".</summary>
    ExchangeImap,
}
