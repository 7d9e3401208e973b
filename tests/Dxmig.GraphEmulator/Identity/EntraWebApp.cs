namespace Dxmig.GraphEmulator.Identity;

/// <summary>
/// A web application registered in the emulated Entra ID tenant for user sign-in (OpenID Connect, authorization code
/// flow): what the app registration's "Authentication" and "Certificates &amp; secrets" pages hold.
/// </summary>
public sealed class EntraWebApp
{
    /// <summary>The application (client) id.</summary>
    public required string ClientId { get; init; }

    /// <summary>A display name for the sign-in page and error texts; defaults to the client id.</summary>
    public string? DisplayName { get; init; }

    /// <summary>The client secret the token endpoint requires (a confidential web app); null makes the app a public
    /// client, which must then send no secret at all (AADSTS700025). Never log it.</summary>
    public string? ClientSecret { get; init; }

    /// <summary>The registered redirect URIs ("Web" platform). The authorize request's <c>redirect_uri</c> must match
    /// one of them exactly (Entra ID compares the whole URI; a difference of case in the path counts), else AADSTS50011.
    /// A <c>post_logout_redirect_uri</c> must be one of them too.</summary>
    public IReadOnlyList<string> RedirectUris { get; init; } = [];

    /// <summary>
    /// Whether an authorize request without <c>code_challenge</c> is refused (AADSTS9002325). Entra ID itself requires
    /// PKCE only for single-page-app redirect URIs and merely recommends it for web apps; the emulator requires it by
    /// default (the stricter choice) so that a web app that forgets PKCE fails here first. Set false to act as Entra
    /// does for a web app.
    /// </summary>
    public bool RequirePkce { get; init; } = true;

    /// <summary>The app registration's "Assignment required?" (enterprise application property): a user with no app role
    /// assigned for this app is refused after the password (AADSTS50105).</summary>
    public bool AssignmentRequired { get; init; }

    /// <summary>The manifest's <c>groupMembershipClaims</c> (security groups): the ID token carries a <c>groups</c> claim
    /// with the user's group object ids (over 200 groups: the overage claim instead, as Entra ID does for JWTs).</summary>
    public bool GroupMembershipClaims { get; init; }
}
