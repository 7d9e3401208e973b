namespace Dxmig.GraphEmulator.Identity;

/// <summary>A user of the emulated tenant who can sign in interactively (user name and password on the emulator's
/// sign-in page), with the app roles and groups Entra ID would put in that user's ID token.</summary>
public sealed class SignInUser
{
    /// <summary>The user principal name typed on the sign-in page (compared without regard to case); the ID token's
    /// <c>preferred_username</c>.</summary>
    public required string UserName { get; init; }

    /// <summary>The password. Test data only; never log it.</summary>
    public required string Password { get; init; }

    /// <summary>The ID token's <c>name</c>; defaults to the user name.</summary>
    public string? DisplayName { get; init; }

    /// <summary>The user's object id (the ID token's <c>oid</c>, Graph's user <c>id</c>). Null: the id of the Graph user
    /// with this UPN when the emulator has one, else a GUID derived from the user name (the same on every run).</summary>
    public string? ObjectId { get; init; }

    /// <summary>The ID token's <c>email</c> (when the <c>email</c> scope is asked for); defaults to the user name.</summary>
    public string? Email { get; init; }

    /// <summary>App roles assigned to the user, by application (client) id: the role <em>values</em> (e.g.
    /// <c>Dxmig.Operator</c>) that go into the <c>roles</c> claim of an ID token issued to that app.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> AppRoles { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>Object ids of the security groups the user belongs to (the <c>groups</c> claim, for an app with
    /// <see cref="EntraWebApp.GroupMembershipClaims"/>).</summary>
    public IReadOnlyList<string> Groups { get; init; } = [];
}
