using Dxmig.Contracts;

namespace Dxmig.Platform.Ledger;

/// <summary>One item's new state, to be written to the ledger.</summary>
public sealed record ItemWrite(
    SourceKey Key,
    string ContentHash,
    long Size,
    ItemState State,
    string? Code,
    string? Message,
    string? Location,
    string? TargetKey);
