namespace Dxmig.Contracts;

/// <summary>
/// The stable identity of one source item: which system, whose account, which container (folder, table, calendar),
/// the item's native id there, and the version of it that was read (IMAP: UIDVALIDITY; CSV: row hash).
/// </summary>
public readonly record struct SourceKey(string System, string Account, string Container, string NativeId, string Version)
{
    /// <summary>The part of the key that names the item regardless of its version.</summary>
    public ItemRef Ref => new(Container, NativeId);

    public override string ToString() => $"{System}:{Account}/{Container}/{NativeId}@{Version}";
}

/// <summary>An item within one account: container and native id.</summary>
public readonly record struct ItemRef(string Container, string NativeId);
