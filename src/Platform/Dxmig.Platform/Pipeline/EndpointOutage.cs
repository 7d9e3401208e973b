using Dxmig.Contracts;

namespace Dxmig.Platform.Pipeline;

/// <summary>A server a run stopped trying: which end, why, and the accounts that showed it.</summary>
public sealed record EndpointOutage(EndpointSide Side, EndpointFault Fault, IReadOnlyList<string> Accounts)
{
    /// <summary>The one plain line (<see cref="EndpointFailure.Describe"/>).</summary>
    public string Message => EndpointFailure.Describe(Side, Fault);

    /// <summary>What an account that was not tried says.</summary>
    public string NotTried => Side == EndpointSide.Source
        ? "移行元に接続できないため未実行 (次の実行で続けます) / not tried: the source cannot be reached (the next run carries it)"
        : "移行先に接続できないため未実行 (次の実行で続けます) / not tried: the target cannot be reached (the next run carries it)";

    /// <summary>What an account under way when the circuit opened says.</summary>
    public string Interrupted => Side == EndpointSide.Source
        ? "移行元に接続できないため中断 (次の実行で続きから再開します) / stopped: the source cannot be reached (the next run resumes it)"
        : "移行先に接続できないため中断 (次の実行で続きから再開します) / stopped: the target cannot be reached (the next run resumes it)";
}
