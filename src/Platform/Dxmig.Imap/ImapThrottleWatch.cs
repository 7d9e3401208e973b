using System.Text;
using MailKit;

namespace Dxmig.Imap;

/// <summary>
/// Notices a server's "Suggested Backoff Time: N milliseconds" on the wire of a MailKit connection. MailKit turns some
/// refused commands into exceptions that drop the server's words (a throttled LIST becomes "folder not found"), so the
/// connection's protocol logger reads them instead and tells the retry around the current step
/// (<see cref="ImapRetry.RunAsync{T}"/>) how long to wait. Only answers are read, never what the client sends.
/// </summary>
public sealed class ImapThrottleWatch : IProtocolLogger
{
    private static readonly AsyncLocal<StrongBoxOfBackoff?> Current = new();
    private static readonly byte[] Marker = "Suggested Backoff Time:"u8.ToArray();

    public IAuthenticationSecretDetector? AuthenticationSecretDetector { get; set; }

    /// <summary>The wait the server asked for during the current step, if it asked.</summary>
    public TimeSpan? Backoff => box?.Value;

    private StrongBoxOfBackoff? box;
    private TimeSpan? heard;

    /// <summary>The longest wait this connection was asked for since the last look, taken.</summary>
    public TimeSpan? TakeHeard()
    {
        var wait = heard;
        heard = null;
        return wait;
    }

    /// <summary>A watch for the steps run from here down (an async flow): what a connection hears lands in it.</summary>
    internal static ImapThrottleWatch Begin()
    {
        var watch = new ImapThrottleWatch { box = new StrongBoxOfBackoff() };
        Current.Value = watch.box;
        return watch;
    }

    /// <summary>The wait heard in the current flow, taken (public face of <see cref="TakeCurrent"/>).</summary>
    public static TimeSpan? Heard() => TakeCurrent();

    /// <summary>Starts watching this flow unless a step around it already does.</summary>
    internal static void EnsureCurrent()
    {
        if (Current.Value is null)
        {
            Begin();
        }
    }

    /// <summary>The wait heard in the current flow since the last look, taken (null when none).</summary>
    internal static TimeSpan? TakeCurrent()
    {
        if (Current.Value is not { } current)
        {
            return null;
        }

        var wait = current.Value;
        current.Value = null;
        return wait;
    }

    internal void Clear()
    {
        if (box is not null)
        {
            box.Value = null;
        }
    }

    public void LogConnect(Uri uri)
    {
    }

    public void LogClient(byte[] buffer, int offset, int count)
    {
    }

    public void LogServer(byte[] buffer, int offset, int count)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        var span = buffer.AsSpan(offset, count);
        var at = span.IndexOf(Marker);
        if (at < 0)
        {
            return;
        }

        var end = span[at..].IndexOf((byte)'\n');
        var line = Encoding.ASCII.GetString(end < 0 ? span[at..] : span.Slice(at, end));
        if (ImapOAuth.Backoff("Request is throttled. " + line) is not { } wait)
        {
            return;
        }

        heard = heard is { } before && before > wait ? before : wait;
        if (Current.Value is { } current)
        {
            current.Value = current.Value is { } earlier && earlier > wait ? earlier : wait;
        }
    }

    public void Dispose()
    {
    }

    private sealed class StrongBoxOfBackoff
    {
        public TimeSpan? Value { get; set; }
    }
}
