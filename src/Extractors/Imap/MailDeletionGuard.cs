using Dxmig.Platform.Pipeline;

namespace Dxmig.Extractors.Imap;

/// <summary>A message the target holds that vanished from the source: where, which, and its target key.</summary>
public sealed record MailRemoval(string Account, string Folder, string NativeId, string? TargetKey)
{
    /// <summary>The key a confirmed list is matched by (account, folder and native id together).</summary>
    public string Key => MailDeletionGuard.KeyOf(Account, Folder, NativeId);
}

/// <summary>One folder's vanished messages and how many the ledger holds as loaded there (the percentage's base).</summary>
public sealed record FolderVanished(string Folder, int Known, IReadOnlyList<MailRemoval> Vanished);

/// <summary>
/// The mail kind's safety threshold for <c>deletions: mirror</c>, the same rule as the other kinds'
/// (<see cref="DeletionSafety"/>, Entra Connect's "prevent accidental deletes"), decided per account once its whole
/// mailbox was compared: a folder whose vanished messages are more than <see cref="MaxPercent"/> of what it held is
/// held back; and the run's removals together may not pass <see cref="MaxCount"/> (accounts run in parallel, so the
/// count is a budget shared by the run: the account whose removals would pass it has all of them held back). What is
/// held is removed by nothing, listed in <see cref="Pending"/> for <c>pending-deletions-{RUNID}.csv</c>, and the run
/// ends "needs attention". Removals a person confirmed (<see cref="Confirmed"/>, that run's list) go whatever their
/// number, and only while they are still gone from the source. Thread-safe: one guard serves the run's accounts.
/// </summary>
public sealed class MailDeletionGuard
{
    public const int DefaultMaxCount = DeletionSafety.DefaultMaxCount;

    public const double DefaultMaxPercent = DeletionSafety.DefaultMaxPercent;

    private readonly Lock gate = new();
    private readonly List<MailRemoval> pending = [];
    private int allowed;

    /// <summary>The most removals one run carries out (all accounts together), confirmed ones not counted.</summary>
    public int MaxCount { get; init; } = DefaultMaxCount;

    /// <summary>The largest share (percent) of a folder's loaded messages one run removes.</summary>
    public double MaxPercent { get; init; } = DefaultMaxPercent;

    /// <summary>Keys (<see cref="KeyOf"/>) a person confirmed for removal; null when none.</summary>
    public IReadOnlySet<string>? Confirmed { get; init; }

    /// <summary>Removals held back so far in this run.</summary>
    public IReadOnlyList<MailRemoval> Pending
    {
        get
        {
            lock (gate)
            {
                return [.. pending];
            }
        }
    }

    public static string KeyOf(string account, string folder, string nativeId) => $"{account}\u001F{folder}\u001F{nativeId}";

    /// <summary>
    /// Decides an account's removals: returns the ones to carry out now; the rest are added to <see cref="Pending"/>,
    /// and <paramref name="warn"/> hears (Japanese, English) why each group was held.
    /// </summary>
    public IReadOnlyList<MailRemoval> Decide(string account, IReadOnlyList<FolderVanished> folders, Action<string, string> warn)
    {
        ArgumentNullException.ThrowIfNull(folders);
        ArgumentNullException.ThrowIfNull(warn);
        var go = new List<MailRemoval>();
        var within = new List<MailRemoval>();
        var held = new List<MailRemoval>();
        foreach (var folder in folders)
        {
            var rest = new List<MailRemoval>();
            foreach (var removal in folder.Vanished)
            {
                (Confirmed?.Contains(removal.Key) == true ? go : rest).Add(removal);
            }

            if (rest.Count == 0)
            {
                continue;
            }

            var percent = folder.Known == 0 ? 100 : rest.Count * 100.0 / folder.Known;
            if (percent > MaxPercent)
            {
                held.AddRange(rest);
                warn(
                    $"要確認: フォルダ {folder.Folder} で {rest.Count} 件 ({percent:0.#}%) が移行元から消えていますが、しきい値 {MaxPercent}% を超えるため移行先では削除しませんでした。削除予定の一覧を確認し、dxmig run --confirm-deletes RUNID で確定してください",
                    $"needs attention: {rest.Count} message(s) ({percent:0.#}%) vanished from folder {folder.Folder}, over the {MaxPercent}% threshold: nothing was deleted on the target; review the pending-deletions list and confirm with dxmig run --confirm-deletes RUNID");
            }
            else
            {
                within.AddRange(rest);
            }
        }

        lock (gate)
        {
            if (within.Count > 0 && allowed + within.Count > MaxCount)
            {
                warn(
                    $"要確認: {within.Count} 件が移行元から消えていますが、この実行の削除件数のしきい値 {MaxCount} 件を超えるため移行先では削除しませんでした (この実行で削除済み {allowed} 件)。削除予定の一覧を確認し、dxmig run --confirm-deletes RUNID で確定してください",
                    $"needs attention: {within.Count} message(s) vanished, over the run's threshold of {MaxCount} deletions ({allowed} already deleted in this run): nothing was deleted for this mailbox; review the pending-deletions list and confirm with dxmig run --confirm-deletes RUNID");
                held.AddRange(within);
            }
            else
            {
                allowed += within.Count;
                go.AddRange(within);
            }

            pending.AddRange(held);
        }

        return go;
    }
}
