using Dxmig.Contracts;

namespace Dxmig.Platform.Pipeline;

/// <summary>
/// A circuit per endpoint for one run (or one reconciliation): when <see cref="Threshold"/> accounts in a row fail to
/// reach the same server for the same reason (<see cref="EndpointFailure.Classify"/>: refused, host not found, TLS,
/// the admin credential, no answer), the circuit opens: <see cref="Opened"/> fires, the accounts not started are not
/// tried (they stay as they were for the next run), and <see cref="Outage"/> says what happened, once. An account that
/// succeeds closes every streak; a failure of another kind (one message, one user's password) is not counted.
/// The first accounts of a run open it as soon as <see cref="Threshold"/> of them (or all, if fewer) failed alike.
/// </summary>
public sealed class EndpointCircuit : IDisposable
{
    /// <summary>Accounts in a row that must fail alike before the rest are not tried.</summary>
    public const int DefaultThreshold = 3;

    private readonly Lock gate = new();
    private readonly Dictionary<(EndpointSide Side, string Endpoint), (EndpointFaultKey Fault, List<string> Accounts)> streaks = [];
    private readonly CancellationTokenSource opened = new();

    /// <param name="accounts">How many accounts the run has (a run of two opens after two).</param>
    /// <param name="threshold">Accounts in a row that must fail alike.</param>
    public EndpointCircuit(int accounts, int threshold = DefaultThreshold) => Threshold = Math.Max(1, Math.Min(threshold, accounts));

    public int Threshold { get; }

    /// <summary>Why the circuit opened; null while it is closed.</summary>
    public EndpointOutage? Outage { get; private set; }

    public bool IsOpen => Outage is not null;

    /// <summary>Fires when the circuit opens (the accounts under way stop after the batch in hand).</summary>
    public CancellationToken Opened => opened.Token;

    /// <summary>An account that worked: the servers answer.</summary>
    public void Succeeded()
    {
        lock (gate)
        {
            streaks.Clear();
        }
    }

    /// <summary>
    /// An account failed. Counted when the failure is an endpoint failure (<see cref="EndpointFailure.Classify"/>) on
    /// <paramref name="side"/>; returns true when this failure opened the circuit.
    /// </summary>
    public bool Failed(string account, EndpointSide? side, Exception failure)
    {
        if (side is not { } where || EndpointFailure.Classify(failure) is not { } fault)
        {
            return false;
        }

        var key = (where, fault.Endpoint ?? string.Empty);
        var faultKey = new EndpointFaultKey(fault.Kind, fault.Service);
        lock (gate)
        {
            if (Outage is not null)
            {
                return false;
            }

            if (!streaks.TryGetValue(key, out var streak) || streak.Fault != faultKey)
            {
                streak = (faultKey, []);
                streaks[key] = streak;
            }

            streak.Accounts.Add(account);
            if (streak.Accounts.Count < Threshold)
            {
                return false;
            }

            Outage = new EndpointOutage(where, fault, [.. streak.Accounts]);
        }

        opened.Cancel();
        return true;
    }

    public void Dispose() => opened.Dispose();

    private readonly record struct EndpointFaultKey(EndpointFailureKind Kind, string? Service);
}
