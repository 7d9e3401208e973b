namespace Dxmig.Contracts.Records;

/// <summary>
/// One member an Entra ID security group should have because a permission list grants it: the group (its key and
/// display name from mappings/telework-groups.yaml), the person (employee id) and the list lines that grant it.
/// </summary>
public sealed record GroupMembership
{
    public required string GroupKey { get; init; }

    public required string GroupName { get; init; }

    public required string MailNickname { get; init; }

    public required string EmployeeId { get; init; }

    /// <summary>Where the grant comes from ("telework.csv:12, telework.csv:40").</summary>
    public required string Lines { get; init; }

    /// <summary>Filled by the transformer: the Entra ID user (UPN) from the identity map.</summary>
    public string UserPrincipalName { get; init; } = string.Empty;
}
