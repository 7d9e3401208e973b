namespace Dxmig.GraphEmulator.Http;

/// <summary>What the emulator remembers of an access token it issued: the resource it is for (its audience), the
/// tenant and application it was issued to, and when it was issued and expires. The token itself is the key, never
/// a field, so that this record can be shown without showing a secret.</summary>
internal sealed record IssuedToken(string Resource, string TenantId, string ClientId, DateTimeOffset IssuedAt, DateTimeOffset Expires)
{
    /// <summary>The application permissions (the token's <c>roles</c> claim) granted when it was issued; null: every one.</summary>
    public IReadOnlySet<string>? Roles { get; init; }
}
