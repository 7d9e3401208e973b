using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Dxmig.Imap;

/// <summary>An access token and when it stops being accepted. Never logged, never shown.</summary>
public sealed record ImapAccessToken(string Token, DateTimeOffset ExpiresOn)
{
    public override string ToString() => $"access token (expires {ExpiresOn:u})";
}

/// <summary>Gives access tokens for IMAP's OAuth 2.0 login, renewed before they expire.</summary>
public interface IImapTokenSource
{
    ValueTask<ImapAccessToken> GetTokenAsync(CancellationToken cancellationToken);
}

/// <summary>
/// The SASL strings of OAuth 2.0 logins and what Exchange Online says when it wants a client to slow down. Exchange
/// answers a throttled command with <c>NO</c> (or <c>BAD</c>) <c>Request is throttled. Suggested Backoff Time: N
/// milliseconds</c>, and closes a session whose token expired with <c>* BYE Session invalidated - AccessTokenExpired</c>.
/// </summary>
public static partial class ImapOAuth
{
    private static readonly ConditionalWeakTable<object, StrongBox<DateTimeOffset>> Expiries = new();

    /// <summary>XOAUTH2's initial response, base64: <c>user=…^Aauth=Bearer …^A^A</c>.</summary>
    public static string XOAuth2(string user, string token) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"user={user}\u0001auth=Bearer {token}\u0001\u0001"));

    /// <summary>OAUTHBEARER's (RFC 7628) initial response, base64: <c>n,a=…,^Aauth=Bearer …^A^A</c>.</summary>
    public static string OAuthBearer(string user, string token) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"n,a={user.Replace("=", "=3D", StringComparison.Ordinal).Replace(",", "=2C", StringComparison.Ordinal)},\u0001auth=Bearer {token}\u0001\u0001"));

    /// <summary>The wait a throttled answer asks for, or null when the text is not a throttling answer.</summary>
    public static TimeSpan? Backoff(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var match = BackoffPattern().Match(text);
        return match.Success && long.TryParse(match.Groups[1].ValueSpan, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var ms)
            ? TimeSpan.FromMilliseconds(ms)
            : null;
    }

    /// <summary>The wait asked for by the answer that caused an exception (its message, or an inner one's).</summary>
    public static TimeSpan? Backoff(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            var wait = e is ImapThrottledException throttled
                ? throttled.Backoff
                : Backoff((e as MailKit.Net.Imap.ImapCommandException)?.ResponseText ?? e.Message);
            if (wait is not null)
            {
                return wait;
            }
        }

        return null;
    }

    /// <summary>
    /// Waits out a backoff: the time asked for and 20 ms more, since a timer may fire a tick early and the server counts
    /// from when it wrote its answer.
    /// </summary>
    public static Task WaitAsync(TimeSpan backoff, CancellationToken cancellationToken) =>
        Task.Delay(backoff + TimeSpan.FromMilliseconds(20), cancellationToken);

    /// <summary>When the token a connection logged in with expires; null for a connection that did not use one.</summary>
    public static DateTimeOffset? TokenExpiry(object connection) =>
        Expiries.TryGetValue(connection, out var box) ? box.Value : null;

    internal static void Remember(object connection, DateTimeOffset expiresOn) => Expiries.AddOrUpdate(connection, new StrongBox<DateTimeOffset>(expiresOn));

    [GeneratedRegex(@"Request is throttled\. Suggested Backoff Time: (\d+) milliseconds", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex BackoffPattern();
}

/// <summary>The server asked to wait before the next command (Exchange's "Suggested Backoff Time"); nothing was done.</summary>
public sealed class ImapThrottledException : ImapAppendRefusedException
{
    public ImapThrottledException(string message, TimeSpan backoff)
        : base(message)
    {
        Backoff = backoff;
    }

    public ImapThrottledException()
    {
    }

    public ImapThrottledException(string message)
        : base(message)
    {
    }

    public ImapThrottledException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public TimeSpan Backoff { get; }
}
