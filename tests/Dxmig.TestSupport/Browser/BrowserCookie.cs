namespace Dxmig.TestSupport.Browser;

/// <summary>A cookie the browser keeps, with the flags a test asserts. <paramref name="SameSite"/> is "Strict", "Lax" or
/// "None", or null when the server sent no SameSite attribute; <paramref name="Expires"/> is null for a session cookie.</summary>
public sealed record BrowserCookie(
    string Name,
    string Value,
    string Domain,
    string Path,
    bool Secure,
    bool HttpOnly,
    string? SameSite,
    DateTimeOffset? Expires)
{
    /// <summary>Name and flags without the value (a session cookie's value is a credential: keep it out of test output).</summary>
    public override string ToString() =>
        $"{Name} (domain={Domain}, path={Path}, secure={Secure}, httpOnly={HttpOnly}, sameSite={SameSite ?? "-"}, expires={Expires?.ToString("u", System.Globalization.CultureInfo.InvariantCulture) ?? "session"})";
}
