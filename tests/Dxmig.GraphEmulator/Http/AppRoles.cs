namespace Dxmig.GraphEmulator.Http;

/// <summary>
/// Which application permissions (app roles) let an app-only token make a request, by the route's resource and
/// method (a read: the Read or ReadWrite permission; a write: ReadWrite only), and Graph's 403 when the token holds
/// none of them. Graph's words differ by workload: Outlook (mail, contacts, calendars, rooms) answers
/// <c>ErrorAccessDenied</c> "Access is denied. Check credentials and try again."; the directory (users, groups)
/// <c>Authorization_RequestDenied</c> "Insufficient privileges to complete the operation."; OneDrive and SharePoint
/// <c>accessDenied</c>.
/// </summary>
internal static class AppRoles
{
    /// <summary>Graph's 403 for the request when its token lacks every permission that allows it; null when allowed.</summary>
    public static GraphErrorException? Deny(Route route, GraphRequest request)
    {
        if (request.Roles is not { } roles)
        {
            return null;
        }

        var (allowed, outlook, drive) = Required(route.Template, request.Method);
        if (allowed.Length == 0 || allowed.Any(roles.Contains))
        {
            return null;
        }

        return outlook ? new GraphErrorException(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
            : drive ? new GraphErrorException(403, "accessDenied", "Access denied")
            : new GraphErrorException(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.");
    }

    /// <summary>The permissions any of which allows the request (none: no permission needed), and the workload that answers.</summary>
    private static (string[] Allowed, bool Outlook, bool Drive) Required(string template, string method)
    {
        var read = method.Equals("GET", StringComparison.OrdinalIgnoreCase);
        if (template.Contains("/drive", StringComparison.OrdinalIgnoreCase) || template.StartsWith("drives", StringComparison.OrdinalIgnoreCase)
            || template.StartsWith("sites", StringComparison.OrdinalIgnoreCase))
        {
            return (read
                ? ["Files.Read.All", "Files.ReadWrite.All", "Sites.Read.All", "Sites.ReadWrite.All", "Sites.FullControl.All"]
                : ["Files.ReadWrite.All", "Sites.ReadWrite.All", "Sites.FullControl.All"], false, true);
        }

        if (template.StartsWith("users/{user}/", StringComparison.OrdinalIgnoreCase))
        {
            var family = template.Contains("contact", StringComparison.OrdinalIgnoreCase) ? "Contacts"
                : template.Contains("event", StringComparison.OrdinalIgnoreCase) || template.Contains("calendar", StringComparison.OrdinalIgnoreCase) ? "Calendars"
                : "Mail";
            return (read ? [$"{family}.Read", $"{family}.ReadWrite"] : [$"{family}.ReadWrite"], true, false);
        }

        if (template.StartsWith("places", StringComparison.OrdinalIgnoreCase))
        {
            return (["Place.Read.All"], true, false);
        }

        if (template.StartsWith("users", StringComparison.OrdinalIgnoreCase))
        {
            return (read
                ? ["User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"]
                : ["User.ReadWrite.All", "Directory.ReadWrite.All"], false, false);
        }

        if (template.StartsWith("groups", StringComparison.OrdinalIgnoreCase))
        {
            return (read
                ? ["Group.Read.All", "Group.ReadWrite.All", "GroupMember.Read.All", "GroupMember.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"]
                : template.Contains("members", StringComparison.OrdinalIgnoreCase)
                ? ["GroupMember.ReadWrite.All", "Group.ReadWrite.All", "Directory.ReadWrite.All"]
                : ["Group.ReadWrite.All", "Directory.ReadWrite.All"], false, false);
        }

        if (template.Contains("deviceManagement", StringComparison.OrdinalIgnoreCase))
        {
            return (["DeviceManagementServiceConfig.ReadWrite.All"], false, false);
        }

        return ([], false, false);
    }
}
