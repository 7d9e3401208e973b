using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Dxmig.Contracts;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;

namespace Dxmig.Imap;

/// <summary>
/// Opens a user's mailbox through the admin credential with MailKit: TLS verified (or pinned), STARTTLS, or plain on
/// loopback only; master-user login, SASL PLAIN with authzid, or the account's own password. Failures become an
/// <see cref="AccountFailedException"/> that says what to check, never with a password in it.
/// </summary>
public static class ImapConnector
{
    /// <exception cref="AccountFailedException">The server cannot be reached, its certificate is refused, or the login fails.</exception>
    public static async Task<ImapClient> ConnectAsync(ImapEndpoint endpoint, string account, CancellationToken cancellationToken, IProtocolLogger? protocolLogger = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        for (var waits = 0; ; waits++)
        {
            // Exchange (an OAuth login) answers a throttled command in words MailKit does not always pass on: the watch
            // hears them. A throttled LIST right after login leaves MailKit without the mailbox's root folder, so such a
            // connection is opened again once the wait asked for is over.
            var watch = protocolLogger is null && endpoint.LoginMode == ImapLoginMode.OAuth2 ? new ImapThrottleWatch() : null;
            var client = await ConnectOnceAsync(endpoint, account, protocolLogger ?? watch, cancellationToken);
            if (watch?.TakeHeard() is not { } backoff || waits >= ImapRetry.ThrottleWaits)
            {
                return client;
            }

            client.Dispose();
            await ImapOAuth.WaitAsync(backoff, cancellationToken);
        }
    }

    private static async Task<ImapClient> ConnectOnceAsync(ImapEndpoint endpoint, string account, IProtocolLogger? protocolLogger, CancellationToken cancellationToken)
    {
        var client = protocolLogger is null ? new ImapClient() : new ImapClient(protocolLogger);
        client.Timeout = (int)endpoint.Timeout.TotalMilliseconds;
        client.ServerCertificateValidationCallback = Validator(endpoint);
        try
        {
            await client.ConnectAsync(endpoint.Host, endpoint.Port, Options(endpoint), cancellationToken);
            await AuthenticateAsync(client, endpoint, account, cancellationToken);
            return client;
        }
        catch (AuthenticationException ex) when (endpoint.LoginMode == ImapLoginMode.OAuth2)
        {
            client.Dispose();
            throw OAuthRefused(endpoint, account, ex);
        }
        catch (AuthenticationException ex) when (endpoint.LoginMode == ImapLoginMode.PerAccount)
        {
            client.Dispose();
            throw PerAccountRefused(endpoint, account, ex);
        }
        catch (AuthenticationException ex)
        {
            // The admin (master) credential opens every mailbox: refused, it is refused for all of them.
            client.Dispose();
            throw Unreachable(endpoint, EndpointFailureKind.AdminLoginRefused,
                $"{endpoint} へのログインが拒否されました (アカウント {account})。管理者アカウント・パスワード・ログイン方式を確認してください",
                $"login to {endpoint} refused for account {account}; check the admin user, its password and the login mode", ex);
        }
        catch (SslHandshakeException ex)
        {
            client.Dispose();
            throw Unreachable(endpoint, EndpointFailureKind.Certificate,
                $"{endpoint} の証明書を検証できません。信頼されていない証明書です (固定するなら certificate-sha256 を設定)",
                $"the certificate of {endpoint} is not trusted; pin it with certificate-sha256 if it is the right one", ex);
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or IOException or ImapProtocolException or TimeoutException)
        {
            var connected = client.IsConnected;
            client.Dispose();
            var kind = ex switch
            {
                System.Net.Sockets.SocketException socket => EndpointFailure.Of(socket.SocketErrorCode),
                TimeoutException when !connected => EndpointFailureKind.Timeout,
                IOException or ImapProtocolException when !connected => EndpointFailureKind.ClosedOnConnect,
                _ => null,
            };
            var japanese = $"{endpoint} に接続できません ({ex.GetType().Name}: {ex.Message})";
            var english = $"cannot connect to {endpoint} ({ex.GetType().Name}: {ex.Message})";
            throw kind is { } k ? Unreachable(endpoint, k, japanese, english, ex) : new AccountFailedException(japanese, english, ex);
        }
    }

    /// <summary>A failure every account on this server meets (counted by the run's circuit), as the account's failure.</summary>
    private static EndpointUnreachableException Unreachable(ImapEndpoint endpoint, EndpointFailureKind kind, string japanese, string english, Exception inner) =>
        new("IMAP", string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{endpoint.Host}:{endpoint.Port}"), kind, japanese, english, inner);

    /// <summary>What the team reads when the server refuses an account's own password (login: per-account).</summary>
    internal static AccountFailedException PerAccountRefused(ImapEndpoint endpoint, string account, Exception? inner = null) => new(
        $"{endpoint} へのログインが拒否されました (アカウント {account})。account-passwords-file にあるこのアカウントのパスワードを確認してください",
        $"login to {endpoint} refused for account {account}; check this account's password in the account-passwords-file",
        inner ?? new AuthenticationException("AUTHENTICATE refused"));

    /// <summary>What the team reads when Exchange refuses an app-only login: the three things that grant it.</summary>
    internal static AccountFailedException OAuthRefused(ImapEndpoint endpoint, string account) => OAuthRefused(endpoint, account, new AuthenticationException("AUTHENTICATE refused"));

    internal static AccountFailedException OAuthRefused(ImapEndpoint endpoint, string account, Exception inner) => new(
        $"{endpoint} がメールボックス {account} へのアプリのログイン (OAuth) を拒否しました。アプリに IMAP.AccessAsApp のアプリケーション権限 (管理者の同意済み) があること、"
        + "アプリのサービス プリンシパルが Exchange に登録されていること、このメールボックスに FullAccess が付与されていることを確認してください",
        $"{endpoint} refused the app's OAuth login to mailbox {account}; check that the app has the IMAP.AccessAsApp application permission "
        + "(admin-consented), that its service principal is registered in Exchange, and that it has FullAccess on this mailbox",
        inner);

    /// <summary>The user name and SASL identities for an account, as the raw append connection needs them too.</summary>
    public static (string AuthenticationId, string AuthorizationId, string Password) Credentials(ImapEndpoint endpoint, string account)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return endpoint.LoginMode switch
        {
            ImapLoginMode.MasterUser => ($"{account}{endpoint.MasterSeparator}{endpoint.AdminUser}", string.Empty, endpoint.AdminPassword ?? string.Empty),
            ImapLoginMode.SaslAuthzid => (endpoint.AdminUser ?? string.Empty, account, endpoint.AdminPassword ?? string.Empty),
            _ => (account, string.Empty, endpoint.AccountPasswords.TryGetValue(account, out var password)
                ? password
                : throw new AccountFailedException($"アカウント {account} のパスワードがありません", $"no password is given for account {account}")),
        };
    }

    /// <summary>The certificate check: system trust, or exactly the pinned certificate.</summary>
    public static RemoteCertificateValidationCallback Validator(ImapEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var pin = endpoint.PinnedSha256?.Replace(":", string.Empty, StringComparison.Ordinal).Trim().ToUpperInvariant();
        return (_, certificate, _, errors) =>
        {
            if (pin is { Length: > 0 })
            {
                return certificate is not null &&
                       Convert.ToHexString(SHA256.HashData(certificate.GetRawCertData())).Equals(pin, StringComparison.OrdinalIgnoreCase);
            }

            return errors == SslPolicyErrors.None;
        };
    }

    /// <summary>The SHA-256 fingerprint of a certificate, as a job's certificate-sha256 takes it.</summary>
    public static string Fingerprint(X509Certificate certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return Convert.ToHexString(SHA256.HashData(certificate.GetRawCertData()));
    }

    private static SecureSocketOptions Options(ImapEndpoint endpoint) => endpoint.Security switch
    {
        ImapSecurity.Tls => SecureSocketOptions.SslOnConnect,
        ImapSecurity.StartTls => SecureSocketOptions.StartTls,
        _ when endpoint.IsLoopback => SecureSocketOptions.None,
        _ => throw new ConfigurationException(
            $"平文の IMAP はループバック (127.0.0.1) にだけ使えます: {endpoint} / plain IMAP is allowed only to a loopback address: {endpoint}"),
    };

    private static async Task AuthenticateAsync(ImapClient client, ImapEndpoint endpoint, string account, CancellationToken cancellationToken)
    {
        if (endpoint.LoginMode == ImapLoginMode.OAuth2)
        {
            var token = await (endpoint.TokenSource ?? throw new ConfigurationException("OAuth2 login without a token source")).GetTokenAsync(cancellationToken);
            SaslMechanism mechanism = client.AuthenticationMechanisms.Contains("XOAUTH2") || !client.AuthenticationMechanisms.Contains("OAUTHBEARER")
                ? new SaslMechanismOAuth2(account, token.Token)
                : new SaslMechanismOAuthBearer(account, token.Token);
            await client.AuthenticateAsync(mechanism, cancellationToken);
            ImapOAuth.Remember(client, token.ExpiresOn);
            return;
        }

        var (authcid, authzid, password) = Credentials(endpoint, account);
        if (authzid.Length > 0)
        {
            await client.AuthenticateAsync(new SaslMechanismPlain(new NetworkCredential(authcid, password)) { AuthorizationId = authzid }, cancellationToken);
        }
        else
        {
            await client.AuthenticateAsync(new NetworkCredential(authcid, password), cancellationToken);
        }
    }
}
