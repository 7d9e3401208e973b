using System.Text.RegularExpressions;

namespace Dxmig.GraphEmulator;

/// <summary>Deterministic fault injection, changeable while the emulator runs.</summary>
public sealed class EmulatorFaults
{
    private readonly Lock _gate = new();
    private readonly List<ActiveRule> _rules = [];
    private readonly EmulatorStats _stats;
    private Random _random;

    internal EmulatorFaults(int seed, EmulatorStats stats)
    {
        _random = new Random(seed);
        _stats = stats;
    }

    /// <summary>Adds a rule; rules are tried in the order added, the first that fires wins.</summary>
    public void Add(FaultRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentOutOfRangeException.ThrowIfLessThan(rule.Probability, 0.0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rule.Probability, 1.0);
        var regex = rule.PathPattern is null
            ? null
            : new Regex(rule.PathPattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        lock (_gate)
        {
            _rules.Add(new ActiveRule(rule, regex, rule.Count));
        }
    }

    /// <summary>Removes every rule.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _rules.Clear();
        }
    }

    /// <summary>Restarts the random sequence.</summary>
    public void Reseed(int seed)
    {
        lock (_gate)
        {
            _random = new Random(seed);
        }
    }

    /// <summary>The first rule that fires for this request, counted in the stats, or null.</summary>
    internal FaultRule? Draw(string method, string path, string? mailboxUpn, bool connectionFaultsAllowed, bool before)
    {
        lock (_gate)
        {
            foreach (var active in _rules)
            {
                var r = active.Rule;
                if (IsBefore(r.Kind) != before
                    || (!connectionFaultsAllowed && r.Kind is FaultKind.DropConnection or FaultKind.LoseResponse)
                    || (r.Method is not null && !string.Equals(r.Method, method, StringComparison.OrdinalIgnoreCase))
                    || (active.Path is not null && !active.Path.IsMatch(path))
                    || (r.Mailbox is not null && !string.Equals(r.Mailbox, mailboxUpn, StringComparison.OrdinalIgnoreCase))
                    || active.Remaining is 0)
                {
                    continue;
                }

                if (r.Probability < 1.0 && _random.NextDouble() >= r.Probability)
                {
                    continue;
                }

                if (active.Remaining is int n)
                {
                    active.Remaining = n - 1;
                }

                _stats.CountFault(r.Kind, mailboxUpn);
                return r;
            }
        }

        return null;
    }

    /// <summary>Kinds decided before processing (the rest decide after the handler ran, on its outcome).</summary>
    private static bool IsBefore(FaultKind kind) => kind is FaultKind.ServiceUnavailable or FaultKind.GatewayTimeout
        or FaultKind.DropConnection or FaultKind.Delay;

    private sealed class ActiveRule(FaultRule rule, Regex? path, int? remaining)
    {
        public FaultRule Rule { get; } = rule;

        public Regex? Path { get; } = path;

        public int? Remaining { get; set; } = remaining;
    }
}
