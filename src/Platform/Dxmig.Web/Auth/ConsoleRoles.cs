using System.Security.Claims;

namespace Dxmig.Web.Auth;

/// <summary>
/// The console's two roles. A viewer sees every page; an operator also runs, stops and confirms. Entra ID gives them
/// as app roles (<c>roles</c> claim: <see cref="ViewerAppRole"/>, <see cref="OperatorAppRole"/>) or group claims;
/// local accounts name them in their file.
/// </summary>
public static class ConsoleRoles
{
    public const string Viewer = "viewer";
    public const string Operator = "operator";

    /// <summary>The app role value to define in the console's app registration for viewers.</summary>
    public const string ViewerAppRole = "Dxmig.Viewer";

    /// <summary>The app role value for operators.</summary>
    public const string OperatorAppRole = "Dxmig.Operator";

    /// <summary>The claim type the console's roles are kept in (in its own cookie).</summary>
    public const string ClaimType = "dxmig_role";

    /// <summary>The policy every page needs: viewer or operator.</summary>
    public const string ViewerPolicy = "dxmig-viewer";

    /// <summary>The policy every action needs.</summary>
    public const string OperatorPolicy = "dxmig-operator";

    /// <summary>The console role of a person with these Entra ID claims (operator wins); null when neither.</summary>
    public static string? FromEntra(ClaimsPrincipal principal, EntraSignIn entra)
    {
        ArgumentNullException.ThrowIfNull(principal);
        ArgumentNullException.ThrowIfNull(entra);
        var roles = principal.FindAll("roles").Concat(principal.FindAll(ClaimTypes.Role)).Select(c => c.Value).ToHashSet(StringComparer.Ordinal);
        var groups = principal.FindAll("groups").Select(c => c.Value).ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (roles.Contains(entra.OperatorRole) || (entra.OperatorGroup is { } og && groups.Contains(og)))
        {
            return Operator;
        }

        return roles.Contains(entra.ViewerRole) || (entra.ViewerGroup is { } vg && groups.Contains(vg)) ? Viewer : null;
    }

    /// <summary>Whether <paramref name="principal"/> is an operator.</summary>
    public static bool IsOperator(ClaimsPrincipal principal) => principal?.HasClaim(ClaimType, Operator) == true;

    /// <summary>The name shown and written to the audit log.</summary>
    public static string Who(ClaimsPrincipal principal) =>
        principal?.FindFirst("preferred_username")?.Value ?? principal?.Identity?.Name ?? "(unknown)";

    /// <summary>Japanese / English word for a role.</summary>
    public static string Word(string? role) => role switch
    {
        Operator => "オペレーター / operator",
        Viewer => "閲覧者 / viewer",
        _ => "権限なし / no role",
    };
}
