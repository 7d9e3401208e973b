using System.Text;

namespace Dxmig.Sandbox;

/// <summary>The OAuth 2.0 part of the sandbox server (<see cref="DovecotOptions.OAuth2"/>).</summary>
public sealed partial class DovecotServer
{
    private const string OAuth2ConfigFile = "dovecot-oauth2.conf.ext";
    private const string OAuth2CaFile = "oauth2-ca.pem";
    private const string OAuth2AccessFile = "oauth2-mailbox-access";
    private const string OAuth2Mechanisms = "xoauth2 oauthbearer";

    private readonly Lock oauth2Gate = new();
    private long oauth2AccessVersion;

    /// <summary>The passwd-file of the mailboxes the application has FullAccess on (one login name a line, no
    /// password); null when <see cref="DovecotOptions.OAuth2"/> is not set.</summary>
    public string? OAuth2MailboxAccessPath => options.OAuth2 is null ? null : Path.Combine(Root, OAuth2AccessFile);

    /// <summary>
    /// Replaces the list of mailboxes the application has FullAccess on; when the returned task completes, the next
    /// XOAUTH2/OAUTHBEARER login sees it. Dovecot re-reads a changed passwd-file, but looks at it at most once a second
    /// and knows a change by its mtime (whole seconds) or size: each version gets an mtime of its own, and this waits
    /// (at most a second) until the second it was written in has passed. Sessions already open stay open, as in Exchange.
    /// </summary>
    /// <exception cref="InvalidOperationException">The server was started without <see cref="DovecotOptions.OAuth2"/>.</exception>
    /// <exception cref="ArgumentException">A name is empty or has ':', '*', white space or a line break.</exception>
    public async Task SetOAuth2MailboxAccessAsync(IEnumerable<string> mailboxes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mailboxes);
        var path = OAuth2MailboxAccessPath ?? throw new InvalidOperationException("this server was started without OAuth2 options");
        var names = mailboxes.ToList();
        ValidateMailboxNames(names);
        WriteMailboxAccess(path, names);
        var written = DateTimeOffset.UtcNow;
        var nextSecond = DateTimeOffset.FromUnixTimeSeconds(written.ToUnixTimeSeconds() + 1);
        await Task.Delay(nextSecond - written + TimeSpan.FromMilliseconds(10), cancellationToken);
    }

    private void WriteMailboxAccess(string path, IEnumerable<string> names)
    {
        lock (oauth2Gate)
        {
            // Versions 1, 2, 3 … seconds after 2001-09-09: never the same mtime twice, whatever the clock does.
            oauth2AccessVersion++;
            WriteReadable(path, MailboxAccessFile(names), DateTime.UnixEpoch.AddSeconds(1_000_000_000 + oauth2AccessVersion));
        }
    }

    private static void ValidateOAuth2(DovecotOAuth2Options oauth2)
    {
        var url = oauth2.IntrospectionUrl;
        if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp) || url.OriginalString.IndexOfAny([' ', '\t', '\r', '\n', '"']) >= 0)
        {
            throw new ArgumentException($"IntrospectionUrl '{url}' must be an absolute http(s) URL without spaces or quotes", nameof(oauth2));
        }

        if (url.Scheme == Uri.UriSchemeHttps && string.IsNullOrWhiteSpace(oauth2.CaCertificatePem))
        {
            throw new ArgumentException("an https IntrospectionUrl needs CaCertificatePem (the certificate Dovecot is to trust)", nameof(oauth2));
        }

        foreach (var (what, value) in new[] { ("TenantId", oauth2.TenantId), ("Audience", oauth2.Audience) })
        {
            if (string.IsNullOrWhiteSpace(value) || value.Any(char.IsWhiteSpace) || value.Contains('"', StringComparison.Ordinal))
            {
                throw new ArgumentException($"{what} '{value}' is empty or contains white space or a quote", nameof(oauth2));
            }
        }

        ValidateMailboxNames(oauth2.MailboxesWithAccess);
    }

    private static void ValidateMailboxNames(IEnumerable<string> names)
    {
        foreach (var name in names)
        {
            if (string.IsNullOrEmpty(name) || name.IndexOfAny([':', '*', ' ', '\t', '\r', '\n']) >= 0)
            {
                throw new ArgumentException($"mailbox '{name}' is empty or contains ':', '*', white space or a line break", nameof(names));
            }
        }
    }

    /// <summary>Writes the OAuth2 files into <see cref="Root"/>: Dovecot's oauth2 settings, the CA it trusts, the
    /// FullAccess list. All readable by the auth process (the dovecot user when we are root); none holds a secret.</summary>
    private void WriteOAuth2Files(DovecotOAuth2Options oauth2)
    {
        var ca = Path.Combine(Root, OAuth2CaFile);
        if (oauth2.CaCertificatePem is { } pem)
        {
            WriteReadable(ca, pem.TrimEnd() + "\n");
        }

        var settings = new StringBuilder();
        void Setting(string text) => settings.Append(text).Append('\n');
        Setting("# Written by Dxmig.Sandbox.DovecotServer: app-only OAuth 2.0 as Exchange Online checks it.");
        Setting($"introspection_url = {oauth2.IntrospectionUrl.AbsoluteUri}");
        Setting("introspection_mode = post");
        if (oauth2.CaCertificatePem is not null)
        {
            Setting($"tls_ca_cert_file = {ca}");
        }

        // The token is an application's, not the user's: the introspection answer names no user to compare the login
        // with. Dovecot's username check needs a field every RFC 7662 answer has ('active'); a constant format makes it
        // a check that the answer is one. The mailbox is checked by the FullAccess passdb after this one.
        Setting("username_attribute = active");
        Setting("username_format = introspected");
        // An inactive token's answer is {"active":false} alone (RFC 7662 §2.2): no tid, so it fails here too.
        Setting("active_attribute = tid");
        Setting($"active_value = {oauth2.TenantId}");
        // The resource check: 'aud' must include it. (Exchange's app-only tokens carry roles, not scopes: no 'scope'
        // setting; Dovecot's fallback from 'scope' to 'aud' is deprecated.)
        Setting($"audience = {oauth2.Audience}");
        Setting("timeout_msecs = 10000");
        WriteReadable(Path.Combine(Root, OAuth2ConfigFile), settings.ToString());
        WriteMailboxAccess(Path.Combine(Root, OAuth2AccessFile), oauth2.MailboxesWithAccess);
    }

    /// <summary>The passdbs after the password ones: the oauth2 passdb validates the token and goes on; the
    /// FullAccess passwd-file (no passwords) then accepts only the mailboxes listed.</summary>
    private void AppendOAuth2Passdbs(Action<string> line)
    {
        line("passdb {");
        line("  driver = oauth2");
        line($"  mechanisms = {OAuth2Mechanisms}");
        line($"  args = {Path.Combine(Root, OAuth2ConfigFile)}");
        line("  result_success = continue-ok");
        line("  result_failure = return-fail");
        line("  result_internalfail = return-fail");
        line("}");
        line("passdb {");
        line("  driver = passwd-file");
        line($"  mechanisms = {OAuth2Mechanisms}");
        line($"  args = username_format=%Lu {Path.Combine(Root, OAuth2AccessFile)}");
        line("  skip = unauthenticated");
        line("  result_success = return-ok");
        line("  result_failure = return-fail");
        line("  result_internalfail = return-fail");
        line("}");
    }

    private static string MailboxAccessFile(IEnumerable<string> mailboxes) =>
        string.Concat(mailboxes.Select(m => m.ToLowerInvariant()).Distinct(StringComparer.Ordinal).Select(m => $"{m}:::::::nopassword\n"));

    /// <summary>Writes a file others may read, replacing it at once (a reader sees the old or the new one); with
    /// <paramref name="modified"/>, that is its mtime.</summary>
    private static void WriteReadable(string path, string text, DateTime? modified = null)
    {
        var temporary = path + ".new";
        File.WriteAllText(temporary, text);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }

        if (modified is { } mtime)
        {
            File.SetLastWriteTimeUtc(temporary, mtime);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
