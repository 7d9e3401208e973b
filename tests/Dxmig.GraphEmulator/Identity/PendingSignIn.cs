namespace Dxmig.GraphEmulator.Identity;

/// <summary>An authorize request that passed validation and waits for the user's password on the sign-in page.</summary>
internal sealed record PendingSignIn(
    EntraWebApp App,
    string RedirectUri,
    string ResponseMode,
    string? State,
    string? Nonce,
    IReadOnlyList<string> Scopes,
    string? CodeChallenge,
    string? CodeChallengeMethod,
    DateTimeOffset Expires);
