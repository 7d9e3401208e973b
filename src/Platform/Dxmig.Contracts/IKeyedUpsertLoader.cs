namespace Dxmig.Contracts;

/// <summary>
/// A loader whose every write is an upsert (or a delete) by the item's own source key, committed in one database
/// transaction per batch: writing a batch a second time leaves each item's one row, whether or not a request is
/// <see cref="LoadRequest{T}.InDoubt"/>. A crash between the loader's commit and the ledger's therefore needs no
/// intent recorded before the write: the next run finds the items not yet confirmed, writes the same rows again (no
/// loss, no double) and confirms them. The runner uses this to skip the intent on an embedded (SQLite) ledger, where
/// the ledger's writes are most of a batch's cost.
/// </summary>
public interface IKeyedUpsertLoader
{
    /// <summary>True when every write of this loader is an upsert or delete by the item's source key (see the type).</summary>
    bool UpsertsByKey { get; }
}
