using System.Runtime.CompilerServices;
using Dxmig.Contracts;
using Dxmig.Contracts.Records;
using Dxmig.Contracts.Text;
using Microsoft.Extensions.Logging;

namespace Dxmig.Extractors.Mobile;

/// <summary>
/// The members the telework security groups should have, from the permission lists: each row in its period grants its
/// person the all-users group, its system's group and its department's group. Bad rows are quarantined with file and
/// line (unreadable, unknown system, unknown department, a date that is not a date); a row outside its period is
/// skipped (<c>outside-period</c>). After the last row, one item per membership (container <c>members</c>, native id
/// <c>{group}/{employee}</c>; the membership set is held in memory: a few thousand pairs); then the memberships the
/// ledger holds as loaded that no list grants any more are yielded as removals, within the threshold (above it none
/// is removed and the run ends "needs attention" until <c>--confirm-deletes RUNID</c>).
/// </summary>
public sealed class TeleworkGroupExtractor(TeleworkGroupSourceOptions options, ILogger<TeleworkGroupExtractor> logger) : IExtractor<GroupMembership>
{
    public const string SystemName = "telework-groups";
    public const string Container = "members";

    /// <summary>The memberships the lists granted in the last extraction (for the report of members no list grants).</summary>
    public IReadOnlyList<GroupMembership> Wanted { get; private set; } = [];

    public ValueTask<SourceEstimate?> EstimateAsync(string account, CancellationToken cancellationToken) =>
        ValueTask.FromResult<SourceEstimate?>(new SourceEstimate(null, options.PermissionFiles.Where(File.Exists).Sum(f => new FileInfo(f).Length)));

    public async IAsyncEnumerable<SourceItem<GroupMembership>> ExtractAsync(
        string account, ExtractContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var wanted = new SortedDictionary<string, (GroupMembership Membership, List<string> Lines)>(StringComparer.Ordinal);
        foreach (var file in options.PermissionFiles)
        {
            await foreach (var row in MobileCsvRows.ReadAsync(
                file, options.Encoding, options.PermissionMap, ("テレワーク許可一覧", "telework permission list"),
                new SourceKey(SystemName, account, "rows:" + Path.GetFileName(file), string.Empty, string.Empty),
                Extractors.Mobile.MobileCsvExtractor.Permission, p => p.System, logger, cancellationToken))
            {
                if (row.Payload is not { } entry)
                {
                    yield return SourceItem<GroupMembership>.Bad(row.Key, row.ContentHash, row.Size, row.Location, row.Problem!);
                    continue;
                }

                if (Grant(entry) is { } problem)
                {
                    yield return SourceItem<GroupMembership>.Bad(row.Key, row.ContentHash, row.Size, row.Location, problem);
                    continue;
                }

                var id = MobileCsvRows.NormalizeKey(entry.EmployeeId);
                foreach (var group in Groups(entry))
                {
                    var key = $"{group.Key}/{id}";
                    if (!wanted.TryGetValue(key, out var known))
                    {
                        known = (new GroupMembership { GroupKey = group.Key, GroupName = group.DisplayName, MailNickname = group.MailNickname, EmployeeId = id, Lines = string.Empty }, []);
                        wanted[key] = known;
                    }

                    known.Lines.Add(row.Location);
                }
            }
        }

        Wanted = [.. wanted.Values.Select(w => w.Membership)];
        foreach (var (key, (membership, lines)) in wanted)
        {
            var hash = ContentHash.OfFields([membership.GroupKey, membership.GroupName, membership.MailNickname, membership.EmployeeId]);
            yield return SourceItem<GroupMembership>.Ok(
                new SourceKey(SystemName, account, Container, key, hash[..16]), hash, 0, lines[0], membership with { Lines = string.Join(", ", lines) });
        }

        await foreach (var removal in RemovalsAsync(account, wanted.Keys, context, cancellationToken))
        {
            yield return removal;
        }
    }

    /// <summary>Null when the row grants now; else why not (quarantine or the <c>outside-period</c> skip).</summary>
    private ItemProblem? Grant(TeleworkPermissionEntry entry)
    {
        var line = entry.Line;
        if (options.Groups.System(entry.System) is null)
        {
            return ItemProblem.Quarantine("unknown-system",
                $"行 {line}: 利用システム '{entry.System}' が telework-groups.yaml にありません", $"line {line}: system '{entry.System}' is not in telework-groups.yaml");
        }

        var code = MobileCsvRows.NormalizeKey(entry.DepartmentCode);
        if (code.Length > 0 && options.Departments.Find(code) is null)
        {
            return ItemProblem.Quarantine("unknown-department",
                $"行 {line}: 所属コード '{entry.DepartmentCode}' が所属コード表にありません", $"line {line}: department code '{entry.DepartmentCode}' is not in the department table");
        }

        DateOnly? from = null, until = null;
        foreach (var (text, label, english) in new[] { (entry.ValidFrom, "許可開始日", "start"), (entry.ValidUntil, "許可終了日", "end") })
        {
            if (text.Trim().Length == 0)
            {
                continue;
            }

            if (options.ParseDate(text) is not { } date)
            {
                return ItemProblem.Quarantine("bad-date", $"行 {line}: {label} '{text}' は日付として読めません", $"line {line}: {english} date '{text}' is not a valid date");
            }

            if (english == "start")
            {
                from = date;
            }
            else
            {
                until = date;
            }
        }

        return from > options.Today || until < options.Today
            ? ItemProblem.Skip("outside-period",
                $"行 {line}: 許可期間 ({entry.ValidFrom}～{entry.ValidUntil}) の外です", $"line {line}: outside its permission period ({entry.ValidFrom} to {entry.ValidUntil})")
            : null;
    }

    private IEnumerable<TeleworkGroup> Groups(TeleworkPermissionEntry entry)
    {
        yield return options.Groups.All;
        yield return options.Groups.System(entry.System)!;
        var code = MobileCsvRows.NormalizeKey(entry.DepartmentCode);
        if (code.Length > 0 && options.Departments.Find(code) is { } department && options.Groups.Department(department.Code, department.Name) is { } group)
        {
            yield return group;
        }
    }

    private async IAsyncEnumerable<SourceItem<GroupMembership>> RemovalsAsync(
        string account, ICollection<string> wanted, ExtractContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var present = wanted as IReadOnlySet<string> ?? new HashSet<string>(wanted, StringComparer.Ordinal);
        var known = 0;
        var vanished = new List<(string NativeId, string? TargetKey)>();
        await foreach (var entry in context.Known.ListLoadedAsync(Container, cancellationToken))
        {
            known++;
            if (!present.Contains(entry.NativeId))
            {
                vanished.Add((entry.NativeId, entry.TargetKey));
            }
        }

        var safety = options.Removals;
        var allowed = safety.Decide(vanished, known);
        if (safety.Pending.Count > 0)
        {
            var percent = known == 0 ? 0 : safety.Pending.Count * 100.0 / known;
            context.Warn(
                $"要確認: グループから外すべきメンバーが {safety.Pending.Count} 件 ({percent:0.#}%) ありますが、しきい値 ({safety.MaxCount} 件・{safety.MaxPercent}%) を超えるため外しませんでした。一覧を確認し、dxmig run --confirm-deletes RUNID で確定してください",
                $"needs attention: {safety.Pending.Count} group members ({percent:0.#}%) are no longer granted, over the threshold ({safety.MaxCount} / {safety.MaxPercent}%): none was removed; review the pending list and confirm with dxmig run --confirm-deletes RUNID");
        }

        foreach (var (nativeId, _) in allowed)
        {
            var slash = nativeId.LastIndexOf('/');
            var membership = new GroupMembership
            {
                GroupKey = nativeId[..slash], GroupName = string.Empty, MailNickname = string.Empty, EmployeeId = nativeId[(slash + 1)..], Lines = string.Empty,
            };
            yield return SourceItem<GroupMembership>.Ok(new SourceKey(SystemName, account, Container, nativeId, "removed"), "removed", 0, $"{nativeId} (removed)", membership) with { Removal = true };
        }
    }
}
