using Dxmig.Contracts;
using Dxmig.Extractors.AddressBook;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Pipeline;
using Microsoft.Extensions.Logging;

namespace Dxmig.Jobs.AddressBook;

/// <summary>
/// Decides, before an address-book run reads anything, which contacts gone from the exports it removes: every account's
/// export is read for its contacts' keys and put beside the ledger (contacts loaded, or whose write was in flight), and
/// the <see cref="DeletionSafety"/> judges the run's removals together (count and percentage of the run's contacts), so
/// 500 users losing one contact each count as 500. Ids in the pending list are <c>{account}/{contact}</c>.
/// An export that is missing or empty, or has a row that cannot be read, is taken for a failed export, not for
/// removals: that account removes nothing and warns (the run ends "needs attention").
/// </summary>
public static class AddressBookRemovals
{
    /// <summary>The plan of one run.</summary>
    /// <param name="job">The job's name (its ledger entries).</param>
    /// <param name="settings">The job's exports.</param>
    /// <param name="accounts">The accounts the run reads.</param>
    /// <param name="wholeJob">The run reads every account of the job: accounts the ledger knows whose export is gone are warned about too.</param>
    /// <param name="ledger">The job's ledger.</param>
    /// <param name="safety">The threshold and the confirmed ids; left holding the run's pending removals.</param>
    /// <param name="logger">The extractor's logger.</param>
    /// <param name="cancellationToken">Stops the reading.</param>
    /// <param name="parallelism">How many accounts are examined at once (the job's parallelism).</param>
    public static async Task<AddressBookRemovalPlan> PlanAsync(
        string job, AddressBookJobSettings settings, IReadOnlyList<string> accounts, bool wholeJob, JobLedger ledger, DeletionSafety safety,
        ILogger<AddressBookCsvExtractor> logger, CancellationToken cancellationToken, int parallelism = 1)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(accounts);
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(safety);
        var extractor = new AddressBookCsvExtractor(new AddressBookSourceOptions(settings.Files, settings.Encoding, settings.FieldMap), logger);
        var candidates = accounts.ToList();
        if (wholeJob)
        {
            candidates.AddRange((await ledger.AccountsWithLoadedAsync(job, AddressBookCsvExtractor.Container, cancellationToken))
                .Where(a => !settings.Files.ContainsKey(a) && !candidates.Contains(a, StringComparer.Ordinal)));
        }

        var warnings = new Dictionary<string, (string Japanese, string English)>(StringComparer.Ordinal);
        var notRead = new List<string>();
        var vanished = new List<(string NativeId, string? TargetKey)>();
        var owners = new Dictionary<string, (string Account, string NativeId)>(StringComparer.Ordinal);
        var known = 0;

        // Accounts are examined side by side (reading an export is most of a no-change run's start), each reduced to
        // its small result; the results are then taken in the accounts' order, as one after the other would.
        var examined = new Examined[candidates.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, candidates.Count),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallelism), CancellationToken = cancellationToken },
            async (index, token) => examined[index] = await ExamineAsync(candidates[index], token));
        for (var i = 0; i < candidates.Count; i++)
        {
            var account = candidates[i];
            var result = examined[i];
            if (result.Warning is { } warning)
            {
                warnings[account] = warning;
            }

            if (result.NotRead)
            {
                notRead.Add(account);
            }

            known += result.Known;
            foreach (var (nativeId, targetKey) in result.Vanished)
            {
                var id = Qualified(account, nativeId);
                owners[id] = (account, nativeId);
                vanished.Add((id, targetKey));
            }
        }

        async Task<Examined> ExamineAsync(string account, CancellationToken token)
        {
            var items = (await ledger.AccountItemsAsync(job, account, token))
                .Where(i => i.Container == AddressBookCsvExtractor.Container && i.State is ItemState.Loaded or ItemState.Pending)
                .ToList();
            if (items.Count == 0)
            {
                return new Examined(null, false, 0, []);
            }

            if (!settings.Files.TryGetValue(account, out var path))
            {
                return new Examined((
                    $"要確認: アカウント {account} のアドレス帳ファイルがありません。エクスポートの失敗とみなして読まず、移行先の連絡先 {items.Count} 件は削除しませんでした",
                    $"needs attention: account {account} has no address-book export; taken for a failed export: not read, and its {items.Count} contacts on the target were not removed"), true, 0, []);
            }

            ExportScan scan;
            try
            {
                scan = await extractor.ScanAsync(account, token);
            }
            catch (AccountFailedException)
            {
                // The run's own read of this export fails the account with the same reason; nothing is removed.
                return new Examined(null, false, 0, []);
            }

            var file = Path.GetFileName(path);
            if (scan.Rows == 0)
            {
                return new Examined((
                    $"要確認: アドレス帳ファイル {file} に連絡先がありません。エクスポートの失敗とみなし、移行先の連絡先 {items.Count} 件は削除しませんでした",
                    $"needs attention: the address-book export {file} holds no contact; taken for a failed export: its {items.Count} contacts on the target were not removed"), false, 0, []);
            }

            if (scan.Uncertain)
            {
                // Only when a contact would have gone: an unreadable row beside an export that still holds every loaded
                // contact removes nothing either way (its row is quarantined by the run, as always), and needs no word.
                var gone = items.Count(i => !scan.Present.Contains(i.NativeId));
                return new Examined(gone == 0 ? null : (
                        $"要確認: アドレス帳ファイル {file} に読めない行があり、消えた連絡先 {gone} 件がその行かどうか分からないため、このアカウントの連絡先は削除しませんでした (行を直すと次の実行で削除します)",
                        $"needs attention: the address-book export {file} has a row that cannot be read, so whether the {gone} contact(s) gone from it are that row cannot be told: no contact of this account was removed (fix the row and the next run removes them)"), false, 0, []);
            }

            return new Examined(null, false, items.Count, [.. items.Where(i => !scan.Present.Contains(i.NativeId)).Select(i => (i.NativeId, i.TargetKey))]);
        }

        var allowed = safety.Decide(vanished, known)
            .GroupBy(v => owners[v.NativeId].Account, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)[.. g.Select(v => owners[v.NativeId].NativeId)], StringComparer.Ordinal);
        if (safety.Pending.Count > 0)
        {
            var total = safety.Pending.Count;
            var percent = known == 0 ? 0 : total * 100.0 / known;
            foreach (var group in safety.Pending.GroupBy(p => owners[p.NativeId].Account, StringComparer.Ordinal))
            {
                warnings[group.Key] = (
                    $"要確認: この実行でアドレス帳から連絡先 {total} 件 ({percent:0.#}%) が消えていますが、しきい値 ({safety.MaxCount} 件・{safety.MaxPercent}%) を超えるため削除しませんでした (このアカウント {group.Count()} 件)。削除予定の一覧を確認し、dxmig run --confirm-deletes RUNID で確定してください",
                    $"needs attention: {total} contacts ({percent:0.#}%) are gone from the address-book exports of this run, over the threshold ({safety.MaxCount} / {safety.MaxPercent}%): none was removed ({group.Count()} of this account); review the pending-deletions list and confirm with dxmig run --confirm-deletes RUNID");
            }
        }

        return new AddressBookRemovalPlan(allowed, warnings, notRead);
    }

    /// <summary>One account's part of the plan: its warning, whether it is not read, its loaded contacts' count and those gone.</summary>
    private sealed record Examined(
        (string Japanese, string English)? Warning, bool NotRead, int Known, IReadOnlyList<(string NativeId, string? TargetKey)> Vanished);

    /// <summary>A contact's id in the pending list: its account and native id.</summary>
    public static string Qualified(string account, string nativeId) => $"{account}/{nativeId}";
}
