using Dxmig.Contracts;

namespace Dxmig.Platform.Reconciliation;

/// <summary>
/// One item as a reconciler read it from the source or from the target, metadata only (a hash only on a deep check).
/// <see cref="Identity"/> is what matches a source item to its copy on the target (the source key dxmig wrote into a
/// Graph item, a Message-ID, a contact's natural key); <see cref="Container"/> is where the item is, or for a source
/// item where it should be on the target, in the target's terms.
/// </summary>
public sealed record ReconItem(string Container, string Identity)
{
    /// <summary>Where a person finds it: "INBOX UID 42", "tanaka.csv:12", "graph:AAMk…".</summary>
    public string Location { get; init; } = string.Empty;

    /// <summary>Bytes on this side, when the side tells (Graph does not tell a message's size).</summary>
    public long? Size { get; init; }

    /// <summary>Mail: the received date (INTERNALDATE, receivedDateTime).</summary>
    public DateTimeOffset? Date { get; init; }

    /// <summary>Mail: flags and keywords in the target's terms, sorted, space-separated; null when not compared.</summary>
    public string? Flags { get; init; }

    /// <summary>Records: field name → value, compared field by field; null for mail.</summary>
    public IReadOnlyDictionary<string, string>? Fields { get; init; }

    /// <summary>Deep check only: SHA-256 of the content (target: as the target holds it, or the hash dxmig stamped on it).</summary>
    public string? Hash { get; init; }

    /// <summary>Source items: the ledger's key of the item (container and native id). Target items: the ledger key the
    /// target item carries in itself (a source-key property), when it does; null otherwise.</summary>
    public ItemRef? Ref { get; init; }

    /// <summary>Target items: the key the ledger records for it (<c>imap:…</c>, <c>graph:…</c>, <c>contacts/…</c>).</summary>
    public string? TargetKey { get; init; }

    /// <summary>Target items: false when the item shows it was not written by dxmig (a Graph item without dxmig's source key).</summary>
    public bool Ours { get; init; } = true;

    /// <summary>Source items read with a problem (bad bytes…): the code the pipeline quarantines or skips them with.</summary>
    public string? Problem { get; init; }

    /// <summary>
    /// Set (the reason, Japanese / English) when the reconciler could not read this item: only where it is is known, so
    /// it is reported as its own exception (<see cref="IssueKind.Unreadable"/>) instead of being compared.
    /// </summary>
    public string? Unreadable { get; init; }
}
