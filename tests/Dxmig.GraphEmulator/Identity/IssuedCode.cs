namespace Dxmig.GraphEmulator.Identity;

/// <summary>An authorization code the emulator issued: single use, short-lived, bound to its app, redirect URI and PKCE
/// challenge. The code itself is the dictionary key, never a field.</summary>
internal sealed class IssuedCode(PendingSignIn request, SignInUser user, string objectId, string sessionId, DateTimeOffset expires)
{
    private int _redeemed;

    public PendingSignIn Request { get; } = request;

    public SignInUser User { get; } = user;

    public string ObjectId { get; } = objectId;

    public string SessionId { get; } = sessionId;

    public DateTimeOffset Expires { get; } = expires;

    public bool Redeemed => Volatile.Read(ref _redeemed) != 0;

    /// <summary>True for the one caller that redeems the code; false for every later one.</summary>
    public bool TryRedeem() => Interlocked.Exchange(ref _redeemed, 1) == 0;
}
