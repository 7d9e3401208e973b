namespace Dxmig.GraphEmulator;

/// <summary>A user as the emulator holds it.</summary>
public sealed record StoredUser(string Id, string UserPrincipalName, string Mail, string DisplayName);
