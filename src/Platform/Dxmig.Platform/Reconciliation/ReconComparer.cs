using System.Globalization;
using Dxmig.Contracts;
using Dxmig.Platform.Ledger;

namespace Dxmig.Platform.Reconciliation;

/// <summary>
/// Compares what the source holds with what the target holds for one account, and puts the ledger beside them: the
/// ledger never stands in for either side, it only explains a source item that is not on the target (skipped by a
/// rule, quarantined with a reason) or a target item whose source is gone (kept under the deletion policy "keep").
/// Items are matched by identity; within one identity, copies in the same container that agree in everything pair
/// first, then copies in the same container, then copies anywhere (a folder difference). Pure: no I/O.
/// </summary>
public static class ReconComparer
{
    /// <summary>Dates closer than this are equal (IMAP and Graph keep whole seconds).</summary>
    public static readonly TimeSpan DateTolerance = TimeSpan.FromSeconds(1);

    public static AccountReconciliation Compare(string account, IReadOnlyList<ReconItem> source, IReadOnlyList<ReconItem> target, IReadOnlyList<LedgerItem> ledger)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(ledger);
        var tallies = new Dictionary<string, ContainerTally>(StringComparer.Ordinal);
        ContainerTally Tally(string container)
        {
            if (!tallies.TryGetValue(container, out var tally))
            {
                tally = new ContainerTally(container) { TargetBytes = 0 };
                tallies[container] = tally;
            }

            return tally;
        }

        foreach (var item in source)
        {
            var tally = Tally(item.Container);
            tally.SourceItems++;
            tally.SourceBytes += item.Size ?? 0;
        }

        foreach (var item in target)
        {
            var tally = Tally(item.Container);
            tally.TargetItems++;
            tally.TargetBytes = item.Size is { } size && tally.TargetBytes is { } bytes ? bytes + size : null;
        }

        // The ledger's containers are the source's; place its counts where the source's items belong on the target.
        var containerOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in source.Where(s => s.Ref is not null))
        {
            containerOf.TryAdd(item.Ref!.Value.Container, item.Container);
        }

        var ledgerByRef = new Dictionary<ItemRef, LedgerItem>();
        var ledgerByTarget = new Dictionary<string, LedgerItem>(StringComparer.Ordinal);
        var quarantineCodes = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var entry in ledger)
        {
            ledgerByRef[new ItemRef(entry.Container, entry.NativeId)] = entry;
            if (entry.TargetKey is { } key && entry.State == ItemState.Loaded)
            {
                ledgerByTarget[key] = entry;
            }

            var tally = Tally(containerOf.GetValueOrDefault(entry.Container, entry.Container));
            switch (entry.State)
            {
                case ItemState.Loaded:
                    tally.LedgerLoaded++;
                    tally.LedgerLoadedBytes += entry.Size;
                    break;
                case ItemState.Skipped:
                    tally.LedgerSkipped++;
                    break;
                case ItemState.Removed:
                    tally.LedgerRemoved++;
                    break;
                case ItemState.Quarantined:
                    tally.LedgerQuarantined++;
                    var code = entry.Code ?? "unknown";
                    quarantineCodes[code] = quarantineCodes.GetValueOrDefault(code) + 1;
                    break;
            }
        }

        var issues = new List<ReconIssue>();
        // Items a side could not read are their own exceptions: listed with the reason, never compared. A target
        // container's unreadable items may be the copies of source items not found there (see Pair).
        var unreadable = new Dictionary<string, Queue<ReconItem>>(StringComparer.Ordinal);
        foreach (var item in target.Where(t => t.Unreadable is not null))
        {
            issues.Add(new ReconIssue(account, item.Container, IssueKind.Unreadable, item.Identity, item.Location, null, null, item.Unreadable));
            if (!unreadable.TryGetValue(item.Container, out var queue))
            {
                unreadable[item.Container] = queue = new Queue<ReconItem>();
            }

            queue.Enqueue(item);
        }

        foreach (var item in source.Where(s => s.Unreadable is not null))
        {
            Tally(item.Container).Exceptions++;
            Tally(item.Container).Unreadable++;
            issues.Add(new ReconIssue(account, item.Container, IssueKind.Unreadable, item.Identity, item.Location, null, item.Unreadable, null));
        }

        var targets = target.Where(t => t.Unreadable is null).GroupBy(t => t.Identity, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        foreach (var group in source.Where(s => s.Unreadable is null).GroupBy(s => s.Identity, StringComparer.Ordinal))
        {
            targets.Remove(group.Key, out var copies);
            Pair(account, [.. group], copies ?? [], ledgerByRef, unreadable, Tally, issues);
        }

        foreach (var item in targets.Values.SelectMany(t => t))
        {
            var tally = Tally(item.Container);
            if (!item.Ours)
            {
                tally.NotOurs++;
                issues.Add(new ReconIssue(account, item.Container, IssueKind.NotOurs, item.Identity, item.Location));
            }
            else if ((item.TargetKey is { } key && ledgerByTarget.TryGetValue(key, out var entry))
                     || (item.Ref is { } targetRef && ledgerByRef.TryGetValue(targetRef, out entry) && entry.State == ItemState.Loaded))
            {
                // The ledger loaded it and the source no longer has it: kept by the deletion policy ("keep") or held back at the threshold.
                tally.KeptByPolicy++;
                issues.Add(new ReconIssue(account, item.Container, IssueKind.KeptAfterSourceDeletion, item.Identity, item.Location, null,
                    $"{entry.Container}/{entry.NativeId}",
                    "移行元で削除済み、移行先に保持 (削除の方針 keep か、しきい値で保留) / deleted on the source, kept on the target (deletions: keep, or held back at the threshold)"));
            }
            else
            {
                tally.Extra++;
                issues.Add(new ReconIssue(account, item.Container, IssueKind.Extra, item.Identity, item.Location));
            }
        }

        var containers = tallies.Values.OrderBy(t => t.Container, StringComparer.Ordinal).ToList();
        var totals = new ContainerTally("*") { TargetBytes = 0 };
        foreach (var tally in containers)
        {
            totals.Add(tally);
        }

        var (verdict, reason) = Judge(issues, totals);
        return new AccountReconciliation(account, verdict, reason, totals, containers, issues)
        {
            QuarantineCodes = quarantineCodes,
            Reasons = ReconReason.Of(issues),
            IssueCount = issues.Count(i => i.Kind != IssueKind.NotOurs),
        };
    }

    /// <summary>The verdict and its one line, Japanese with English beside it.</summary>
    public static (Verdict Verdict, string Reason) Judge(IReadOnlyList<ReconIssue> issues, ContainerTally totals)
    {
        ArgumentNullException.ThrowIfNull(issues);
        ArgumentNullException.ThrowIfNull(totals);
        long Count(IssueKind kind) => issues.Count(i => i.Kind == kind);
        var differing = issues.Where(i => i.IsMismatch && i.Kind is not (IssueKind.Missing or IssueKind.Extra or IssueKind.Doubled)).ToList();
        var parts = new List<(long N, string Ja, string En)>
        {
            (Count(IssueKind.Missing), "欠落", "missing"),
            (Count(IssueKind.Doubled), "重複", "doubled"),
            (Count(IssueKind.Extra), "余分", "extra"),
        };
        foreach (var kind in differing.Select(i => i.Kind).Distinct().Order())
        {
            parts.Add((differing.Count(i => i.Kind == kind), KindJapanese(kind) + "の相違", kind.ToString().ToLowerInvariant() + " differences"));
        }

        parts.RemoveAll(p => p.N == 0);
        if (parts.Count > 0)
        {
            return (Verdict.Incomplete,
                string.Join("・", parts.Select(p => $"{p.Ja} {p.N:N0}")) + " / " + string.Join(", ", parts.Select(p => $"{p.En} {p.N:N0}")));
        }

        var exceptions = issues.Where(i => i.IsException).ToList();
        if (exceptions.Count > 0)
        {
            // The line stays short (a terminal's table, the accounts table): the first reasons, then how many more; the
            // page and summary.json list every reason with its count.
            var codes = exceptions.GroupBy(i => i.Kind == IssueKind.Unreadable ? i.KindName : $"{i.KindName}:{i.Reason}")
                .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count():N0}").ToList();
            return (Verdict.CompleteWithExceptions,
                $"記録済みの例外 {exceptions.Count:N0} 件 / documented exceptions {exceptions.Count:N0} ({Shorten(codes, ReasonsInLine)})");
        }

        return (Verdict.Complete, string.Create(CultureInfo.InvariantCulture, $"すべて一致 {totals.Matched:N0} 件 / all {totals.Matched:N0} items match"));
    }

    /// <summary>Reasons named in a verdict's one line; the rest are counted ("… 他 N 件の理由 / … and N more reasons").</summary>
    public const int ReasonsInLine = 3;

    /// <summary>The first <paramref name="most"/> parts joined, and "… 他 N 件の理由 / … and N more reasons" for the rest: never cut silently.</summary>
    public static string Shorten(IReadOnlyList<string> parts, int most)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var line = string.Join(", ", parts.Take(most));
        return parts.Count <= most
            ? line
            : string.Create(CultureInfo.InvariantCulture, $"{line} … 他 {parts.Count - most:N0} 件の理由 / … and {parts.Count - most:N0} more reasons");
    }

    private static string KindJapanese(IssueKind kind) => kind switch
    {
        IssueKind.Flags => "フラグ",
        IssueKind.Date => "日時",
        IssueKind.Folder => "フォルダ",
        IssueKind.Field => "項目",
        IssueKind.Content => "内容",
        _ => kind.ToString(),
    };

    private static void Pair(
        string account, List<ReconItem> sources, List<ReconItem> copies, Dictionary<ItemRef, LedgerItem> ledger,
        Dictionary<string, Queue<ReconItem>> unreadable, Func<string, ContainerTally> tally, List<ReconIssue> issues)
    {
        var unpaired = new List<ReconItem>(sources);
        var equal = new List<ReconItem>();
        foreach (var rule in new Func<ReconItem, ReconItem, bool>[]
                 {
                     (s, t) => s.Container == t.Container && Differences(s, t).Count == 0,
                     (s, t) => s.Container == t.Container,
                     (_, _) => true,
                 })
        {
            for (var i = 0; i < unpaired.Count && copies.Count > 0;)
            {
                var s = unpaired[i];
                var index = copies.FindIndex(t => rule(s, t));
                if (index < 0)
                {
                    i++;
                    continue;
                }

                var t = copies[index];
                copies.RemoveAt(index);
                unpaired.RemoveAt(i);
                var sTally = tally(s.Container);
                sTally.Matched++;
                var found = Differences(s, t);
                if (s.Container != t.Container)
                {
                    found.Insert(0, (IssueKind.Folder, "folder", s.Container, t.Container));
                }

                // A target that exists without dxmig (an Entra ID user whose attributes a staff job writes) and differs from a
                // source item the run quarantined or skipped: the difference is that documented exception, not drift.
                if (found.Count > 0 && s.Ref is { } sourceRef && ledger.GetValueOrDefault(sourceRef) is { State: ItemState.Quarantined or ItemState.Skipped } held)
                {
                    sTally.Exceptions++;
                    var heldKind = held.State == ItemState.Quarantined ? IssueKind.Quarantined : IssueKind.Skipped;
                    if (heldKind == IssueKind.Quarantined)
                    {
                        sTally.Quarantined++;
                    }
                    else
                    {
                        sTally.Skipped++;
                    }

                    issues.Add(new ReconIssue(account, s.Container, heldKind, s.Identity, s.Location + ReconIssue.Arrow + t.Location, null, held.Code, held.Message));
                    continue;
                }

                foreach (var (kind, field, sourceValue, targetValue) in found)
                {
                    issues.Add(new ReconIssue(account, s.Container, kind, s.Identity, s.Location + ReconIssue.Arrow + t.Location, field, sourceValue, targetValue));
                }

                if (found.Count > 0)
                {
                    sTally.Differences++;
                }
                else
                {
                    equal.Add(s);
                }
            }
        }

        foreach (var s in unpaired)
        {
            var entry = s.Ref is { } key ? ledger.GetValueOrDefault(key) : null;
            var sTally = tally(s.Container);
            switch (entry?.State)
            {
                case ItemState.Skipped when entry.Code is Contracts.ItemProblem.TargetDeleted:
                    sTally.DeletedOnTarget++;
                    issues.Add(new ReconIssue(account, s.Container, IssueKind.DeletedOnTarget, s.Identity, s.Location, null, entry.Code, entry.Message));
                    break;
                case ItemState.Skipped:
                    sTally.Exceptions++;
                    sTally.Skipped++;
                    issues.Add(new ReconIssue(account, s.Container, IssueKind.Skipped, s.Identity, s.Location, null, entry.Code, entry.Message));
                    break;
                case ItemState.Quarantined:
                    sTally.Exceptions++;
                    sTally.Quarantined++;
                    issues.Add(new ReconIssue(account, s.Container, IssueKind.Quarantined, s.Identity, s.Location, null, entry.Code, entry.Message));
                    break;
                case var _ when unreadable.TryGetValue(s.Container, out var held) && held.TryDequeue(out var unknown):
                    sTally.Exceptions++;
                    sTally.Unreadable++;
                    issues.Add(new ReconIssue(account, s.Container, IssueKind.Unreadable, s.Identity, s.Location + ReconIssue.Arrow + unknown.Location, null, null,
                        $"移行先の同じフォルダに読めないメッセージ ({unknown.Location}) があり、これがその一通かもしれません / the target folder holds a message that cannot be read ({unknown.Location}); this may be it"));
                    break;
                default:
                    sTally.Missing++;
                    issues.Add(new ReconIssue(account, s.Container, IssueKind.Missing, s.Identity, s.Location, null, null, entry is null
                        ? "台帳に記録なし (まだ移行されていない) / not in the ledger (not migrated yet)"
                        : $"台帳では{StateWords(entry.State).Japanese} ({entry.TargetKey}) だが移行先にない / the ledger says {StateWords(entry.State).English} ({entry.TargetKey}) but the target does not hold it"));
                    break;
            }
        }

        // A source item whose copy is on the target more than once has not arrived as it should (once): the equal pairs
        // of an identity with copies left over count as doubled, not as complete.
        foreach (var s in equal.Skip(Math.Min(equal.Count, copies.Count)))
        {
            tally(s.Container).Arrived++;
        }

        foreach (var t in copies)
        {
            tally(t.Container).Doubled++;
            issues.Add(new ReconIssue(account, t.Container, IssueKind.Doubled, t.Identity, t.Location, null, sources.Count.ToString(CultureInfo.InvariantCulture), null));
        }
    }

    private static (string Japanese, string English) StateWords(ItemState state) => state switch
    {
        ItemState.Loaded => ("投入済み", "loaded"),
        ItemState.Skipped => ("スキップ", "skipped"),
        ItemState.Quarantined => ("隔離", "quarantined"),
        ItemState.Removed => ("削除済み", "removed"),
        _ => ("処理中", "pending"),
    };

    private static List<(IssueKind Kind, string Field, string? Source, string? Target)> Differences(ReconItem s, ReconItem t)
    {
        var found = new List<(IssueKind, string, string?, string?)>();
        if (s.Flags is not null && t.Flags is not null && !string.Equals(s.Flags, t.Flags, StringComparison.OrdinalIgnoreCase))
        {
            found.Add((IssueKind.Flags, "flags", s.Flags, t.Flags));
        }

        if (s.Date is { } sd && t.Date is { } td && (sd - td).Duration() >= DateTolerance)
        {
            found.Add((IssueKind.Date, "date", Iso(sd), Iso(td)));
        }

        if (s.Fields is { } sf && t.Fields is { } tf)
        {
            foreach (var (name, value) in sf)
            {
                var other = tf.GetValueOrDefault(name) ?? string.Empty;
                if (!string.Equals(value, other, StringComparison.Ordinal))
                {
                    found.Add((IssueKind.Field, name, value, other));
                }
            }
        }

        if (s.Hash is not null && t.Hash is not null && !string.Equals(s.Hash, t.Hash, StringComparison.OrdinalIgnoreCase))
        {
            found.Add((IssueKind.Content, "sha256", s.Hash, t.Hash));
        }

        return found;
    }

    private static string Iso(DateTimeOffset value) => value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
