using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace Dxmig.Platform.Logging;

/// <summary>
/// Removes secrets from text before it is written anywhere: every secret value dxmig resolved (registered here at the
/// moment it is read), and whatever has the shape of one: passwords in connection strings and URIs, Authorization
/// headers, bearer tokens, token and secret fields in JSON or query strings, SASL PLAIN payloads.
/// </summary>
public static partial class SecretMasker
{
    /// <summary>What a secret is replaced with.</summary>
    public const string Mask = "***";

    /// <summary>Secrets shorter than this are not searched for literally (they would mask ordinary words).</summary>
    public const int MinimumLiteralLength = 4;

    private static readonly ConcurrentDictionary<string, byte> Known = new(StringComparer.Ordinal);
    private static volatile string[] ordered = [];

    /// <summary>Remembers a secret value, so that it is masked wherever it appears later.</summary>
    public static void Register(string? secret)
    {
        if (string.IsNullOrEmpty(secret) || secret.Length < MinimumLiteralLength)
        {
            return;
        }

        if (Known.TryAdd(secret, 0))
        {
            ordered = [.. Known.Keys.OrderByDescending(k => k.Length)];
        }
    }

    /// <summary>The text with every secret replaced by <see cref="Mask"/>.</summary>
    public static string Apply(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? string.Empty;
        }

        foreach (var secret in ordered)
        {
            if (text.Contains(secret, StringComparison.Ordinal))
            {
                text = text.Replace(secret, Mask, StringComparison.Ordinal);
            }
        }

        text = AuthorizationHeader().Replace(text, "$1" + Mask);
        text = Bearer().Replace(text, "$1" + Mask);
        text = KeyValue().Replace(text, "$1$2" + Mask);
        text = JsonField().Replace(text, "$1" + Mask + "\"");
        text = UriUserInfo().Replace(text, "$1" + Mask + "@");
        text = SaslPlain().Replace(text, "$1" + Mask);
        text = ImapLogin().Replace(text, "$1" + Mask);
        return text;
    }

    [GeneratedRegex(@"(?im)(\bAuthorization\s*[:=]\s*)[^\r\n,;""]+")]
    private static partial Regex AuthorizationHeader();

    [GeneratedRegex(@"(?i)(\bBearer\s+)[A-Za-z0-9\-._~+/]+=*")]
    private static partial Regex Bearer();

    [GeneratedRegex(@"(?i)(\b(?:password|passwd|pwd|pass|secret|client_secret|client-secret|clientsecret|access_token|refresh_token|id_token|token|api[-_]?key|assertion|client_assertion|passphrase)\b)(\s*[=:]\s*)(?!\*\*\*)(?:""[^""]*""|'[^']*'|[^;&\s,""'}]+)")]
    private static partial Regex KeyValue();

    [GeneratedRegex(@"(?i)(""(?:password|passwd|pwd|secret|client_secret|clientSecret|access_token|refresh_token|id_token|token|apiKey|api_key|assertion)""\s*:\s*"")[^""]*""")]
    private static partial Regex JsonField();

    [GeneratedRegex(@"(://[^/@\s:]+:)[^/@\s]+@")]
    private static partial Regex UriUserInfo();

    [GeneratedRegex(@"(?i)(\bAUTHENTICATE\s+(?:PLAIN|XOAUTH2|LOGIN)\s+)\S+")]
    private static partial Regex SaslPlain();

    // An IMAP LOGIN command: a tag, LOGIN, the user, then the password. The tag of a lower-case "login" must hold a
    // digit or a dot (a1, A0001, .), so an English sentence ("refused the login (account tanaka, …") is not masked.
    [GeneratedRegex(@"((?<![A-Za-z0-9.])(?:[A-Za-z]*[0-9.][A-Za-z0-9.]*\s+(?:LOGIN|login)|[A-Za-z0-9.]+\s+LOGIN)\s+(?:""[^""]*""|[^\s""]+)\s+)(?:""[^""]*""|\S+)")]
    private static partial Regex ImapLogin();
}
