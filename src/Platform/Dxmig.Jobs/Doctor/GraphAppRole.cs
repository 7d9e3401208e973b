namespace Dxmig.Jobs.Doctor;

/// <summary>
/// An application permission of Microsoft Graph a job needs, and the broader ones that include it (an app granted
/// <c>Directory.ReadWrite.All</c> may write users too).
/// </summary>
public sealed record GraphAppRole(string Name, params string[] IncludedIn)
{
    public static readonly GraphAppRole MailReadWrite = new("Mail.ReadWrite");
    public static readonly GraphAppRole ContactsReadWrite = new("Contacts.ReadWrite");
    public static readonly GraphAppRole CalendarsReadWrite = new("Calendars.ReadWrite");
    public static readonly GraphAppRole UserReadWriteAll = new("User.ReadWrite.All", "Directory.ReadWrite.All");
    public static readonly GraphAppRole UserReadAll = new("User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All");
    public static readonly GraphAppRole GroupReadWriteAll = new("Group.ReadWrite.All", "Directory.ReadWrite.All");
    public static readonly GraphAppRole GroupMemberReadWriteAll = new("GroupMember.ReadWrite.All", "Group.ReadWrite.All", "Directory.ReadWrite.All");
    public static readonly GraphAppRole FilesReadWriteAll = new("Files.ReadWrite.All", "Sites.ReadWrite.All", "Sites.FullControl.All");
    public static readonly GraphAppRole SitesReadWriteAll = new("Sites.ReadWrite.All", "Sites.FullControl.All");
    public static readonly GraphAppRole DeviceManagementServiceConfig = new("DeviceManagementServiceConfig.ReadWrite.All");

    /// <summary>True when the token's roles hold this permission or one that includes it.</summary>
    public bool GrantedBy(IReadOnlyCollection<string> roles)
    {
        ArgumentNullException.ThrowIfNull(roles);
        return roles.Contains(Name, StringComparer.OrdinalIgnoreCase) || IncludedIn.Any(r => roles.Contains(r, StringComparer.OrdinalIgnoreCase));
    }

    /// <summary>What a person reads when Graph refused for want of it.</summary>
    public string Missing =>
        $"権限 {Name} (アプリケーション) が付与されていないか、管理者の同意がありません / the app lacks the application permission {Name} or admin consent";

    /// <summary>Where it is granted.</summary>
    public string HowToGrant =>
        $"Entra ID のアプリの登録 → API のアクセス許可 → Microsoft Graph → アプリケーションの許可 で {Name} を追加し、「管理者の同意を与えます」を押してください / "
        + $"in the Entra ID app registration: API permissions → Microsoft Graph → Application permissions → add {Name}, then grant admin consent";
}
