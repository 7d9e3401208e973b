using Dxmig.Contracts;
using Dxmig.Contracts.Mappings;
using Dxmig.Contracts.Records;

namespace Dxmig.Transformers.Mobile;

/// <summary>
/// A group membership → the same with the Entra ID user (UPN) found in the identity map by employee id. A person
/// missing from the identity map quarantines the membership (<c>not-in-identity-map</c>: a permission for an unknown
/// person); a removal passes through as it is.
/// </summary>
public sealed class GroupMembershipTransformer(IdentityMap identities) : ITransformer<GroupMembership, GroupMembership>
{
    public TransformResult<GroupMembership> Transform(SourceItem<GroupMembership> item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var membership = item.Payload ?? throw new ArgumentException("an item without payload cannot be transformed", nameof(item));
        if (item.Removal)
        {
            return TransformResult<GroupMembership>.Load(membership);
        }

        return identities.Contains(membership.EmployeeId)
            ? TransformResult<GroupMembership>.Load(membership with { UserPrincipalName = identities.TargetOf(membership.EmployeeId) })
            : TransformResult<GroupMembership>.Quarantine(
                "not-in-identity-map",
                $"{membership.Lines}: 職員番号 {membership.EmployeeId} が ID マップにありません (グループ {membership.GroupName} に追加できません)",
                $"{membership.Lines}: employee {membership.EmployeeId} is not in the identity map (cannot be added to group {membership.GroupName})");
    }
}
