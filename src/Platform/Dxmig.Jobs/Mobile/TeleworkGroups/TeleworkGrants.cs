using Dxmig.Contracts.Records;
using Dxmig.Platform.Reconciliation;

namespace Dxmig.Jobs.Mobile.TeleworkGroups;

/// <summary>Who the permission lists grant, group by group, as the run and the reconciliation both check it.</summary>
public static class TeleworkGrants
{
    /// <summary>
    /// Every group to look at: those the lists name now, and the fixed ones (all users, one per system) even when no list
    /// grants them anyone any more; each with the user principal names granted.
    /// </summary>
    public static IEnumerable<(string Group, HashSet<string> Granted)> Expected(TeleworkGroupsJobSettings settings, IReadOnlyList<GroupMembership> wanted)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var grants = wanted.ToLookup(w => w.GroupName, StringComparer.Ordinal);
        var names = grants.Select(g => g.Key).Append(settings.Groups.All.DisplayName).Concat(settings.Groups.Systems.Select(s => s.DisplayName))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        foreach (var name in names)
        {
            yield return (name, grants[name].Where(w => settings.Identities.Contains(w.EmployeeId))
                .Select(w => settings.Identities.TargetOf(w.EmployeeId)).ToHashSet(StringComparer.OrdinalIgnoreCase));
        }
    }

    /// <summary>The conflict of a member no list grants (listed for an admin, never removed by dxmig).</summary>
    public static ReportConflict NotGranted(string group, string member) => new(
        "member-not-granted", $"{group}: {member}",
        $"グループ {group} のメンバー {member} はどの許可一覧にもありません / member {member} of group {group} is granted by no permission list");
}
