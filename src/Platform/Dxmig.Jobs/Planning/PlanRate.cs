using System.Globalization;
using Dxmig.Platform.Scheduling;

namespace Dxmig.Jobs.Planning;

/// <summary>Where a rate's figures come from: a benchmark of dxmig, a service's published limit, or an assumption.</summary>
public enum RateStatus
{
    /// <summary>Measured by one of dxmig's benchmarks (the basis names it).</summary>
    Measured,

    /// <summary>A limit the target's owner publishes (Graph's budgets).</summary>
    Published,

    /// <summary>Neither: a stated assumption, to be replaced by a measured figure.</summary>
    Assumed,
}

/// <summary>
/// One lane's rate into one target for one kind (one account at a time), its fixed costs and one node's capacity, as
/// written in a rates file (<c>mappings/plan-rates.yaml</c>) or a job's <c>plan:</c> section.
/// </summary>
/// <param name="Kind">The job kind (<c>mail</c>, <c>cess-staff</c>, …).</param>
/// <param name="Target">The target: the job's <c>target.type</c>, or <c>sqlite</c> / <c>postgresql</c> for the platform store.</param>
public sealed record PlanRate(string Kind, string Target)
{
    /// <summary>Items (messages, rows, files) per second of one lane; null: no limit by items.</summary>
    public double? ItemsPerSecond { get; init; }

    /// <summary>Source MB (MiB) per second of one lane; null: no limit by bytes.</summary>
    public double? MegabytesPerSecond { get; init; }

    /// <summary>Target requests one item costs (Graph: a little over one); items/s is requests/s over this.</summary>
    public double RequestsPerItem { get; init; } = 1;

    public double PerRunSeconds { get; init; }

    public double PerAccountSeconds { get; init; }

    /// <summary>Per folder (mail), per export file or per batch.</summary>
    public double PerContainerSeconds { get; init; }

    /// <summary>Window of a sliding-window request budget (Graph: 600 s); 0: a plain rate.</summary>
    public double ItemsWindowSeconds { get; init; }

    /// <summary>Window of a sliding-window byte budget (Graph: 300 s); 0: a plain rate.</summary>
    public double BytesWindowSeconds { get; init; }

    /// <summary>What one node moves at most, MB/s; null: the measured default (<see cref="NodeCapacity.Measured"/>).</summary>
    public double? NodeMegabytesPerSecond { get; init; }

    public RateStatus Status { get; init; } = RateStatus.Assumed;

    /// <summary>The bench command, date, machine and load the figures come from (or why they are assumed).</summary>
    public string Basis { get; init; } = string.Empty;

    /// <summary>Where the entry was read: file:line, and each override after it (a job's <c>plan:</c> key, a flag).</summary>
    public string Source { get; init; } = string.Empty;

    private const double MiB = 1024 * 1024;

    /// <summary>"mail → graph".</summary>
    public string Key => $"{Kind} → {Target}";

    /// <summary>The rate as the planner uses it.</summary>
    public TargetRate ToTargetRate()
    {
        var requestsPerSecond = ItemsPerSecond is { } items ? items * RequestsPerItem : double.PositiveInfinity;
        return new TargetRate(Target, MegabytesPerSecond is { } mb ? mb * MiB : double.PositiveInfinity, requestsPerSecond, RequestsPerItem, Describe())
        {
            PerRun = TimeSpan.FromSeconds(PerRunSeconds),
            PerAccount = TimeSpan.FromSeconds(PerAccountSeconds),
            PerContainer = TimeSpan.FromSeconds(PerContainerSeconds),
            BytesWindow = TimeSpan.FromSeconds(BytesWindowSeconds),
            RequestsWindow = TimeSpan.FromSeconds(ItemsWindowSeconds),
        };
    }

    /// <summary>One node's capacity of this entry, or null when it names none.</summary>
    public NodeCapacity? NodeCapacity => NodeMegabytesPerSecond is { } mb
        ? new NodeCapacity(mb * MiB, string.Create(CultureInfo.InvariantCulture, $"1 ノード最大 {mb:0.#} MB/s (根拠は上の速度と同じ / basis as the rate's above) / one node moves at most {mb:0.#} MB/s ({Source})"))
        : null;

    /// <summary>The words for a status, Japanese first.</summary>
    public static string StatusWords(RateStatus status) => status switch
    {
        RateStatus.Measured => "実測 / measured",
        RateStatus.Published => "公表値 / published",
        _ => "想定値 (実測ではありません) / assumed, not measured",
    };

    /// <summary>The line the plan prints for the rate.</summary>
    public string Describe()
    {
        var parts = new List<string>();
        if (ItemsPerSecond is { } items)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{items:0.##} 件/s items/s") + (RequestsPerItem != 1 ? string.Create(CultureInfo.InvariantCulture, $" ({RequestsPerItem:0.###} 要求/件 requests per item)") : string.Empty));
        }

        if (MegabytesPerSecond is { } mb)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{mb:0.###} MB/s"));
        }

        parts.Add(string.Create(CultureInfo.InvariantCulture, $"固定 / fixed: 実行 per run {PerRunSeconds:0.###} s, アカウント per account {PerAccountSeconds:0.###} s, フォルダー等 per folder/file {PerContainerSeconds:0.###} s"));
        if (ItemsWindowSeconds > 0 || BytesWindowSeconds > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"予算の窓 / budget windows: 件数 items {ItemsWindowSeconds:0.###} s, 容量 bytes {BytesWindowSeconds:0.###} s"));
        }

        return $"{Key}: 1 レーンあたり / per lane {string.Join("; ", parts)} [{StatusWords(Status)}]";
    }
}
