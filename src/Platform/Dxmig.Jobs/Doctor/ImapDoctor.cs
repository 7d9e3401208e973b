using System.Net.Sockets;
using Dxmig.Imap;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;

namespace Dxmig.Jobs.Doctor;

/// <summary>
/// The checks of an IMAP server a job reads or writes, read-only: the credential's reference, TCP, TLS as the run
/// verifies it (system trust or the pinned certificate), then for the first accounts a login through the run's own
/// connector (<see cref="ImapConnector"/>: master user, SASL authzid, the account's password or an app token) and
/// INBOX opened with EXAMINE. No message is fetched, appended or flagged.
/// </summary>
public static class ImapDoctor
{
    /// <param name="role">"移行元 IMAP / source IMAP".</param>
    /// <param name="shown">The server as the job gives it (no secret).</param>
    /// <param name="resolve">The endpoint with its secrets read, as the run resolves it (throws when a secret is missing).</param>
    /// <param name="accounts">The logins to open, in the job's order; the first <see cref="DoctorRequest.Accounts"/> are tried.</param>
    /// <param name="target">True for a target: its INBOX must exist (the account is there) and its rights are read when the server has ACL.</param>
    public static DoctorEndpoint Endpoint(string role, ImapEndpoint shown, Func<ImapEndpoint> resolve, IReadOnlyList<string> accounts, bool target) =>
        new(role, shown.ToString(), (probe, ct) => ProbeAsync(probe, shown, resolve, accounts, target, ct));

    private static async Task ProbeAsync(DoctorProbe probe, ImapEndpoint shown, Func<ImapEndpoint> resolve, IReadOnlyList<string> accounts, bool target, CancellationToken ct)
    {
        var where = shown.ToString();
        ImapEndpoint? endpoint = null;
        if (!await probe.StepAsync("資格情報 / credential", where, _ =>
            {
                endpoint = resolve() with { Timeout = probe.Request.Timeout };
                return Task.FromResult<string?>(Credential(endpoint));
            }, ct))
        {
            return;
        }

        if (endpoint!.LoginMode == ImapLoginMode.OAuth2 && !await probe.StepAsync(
                "アクセス トークン (Exchange, IMAP.AccessAsApp) / access token (Exchange, IMAP.AccessAsApp)", "Entra ID",
                async token =>
                {
                    var issued = await endpoint.TokenSource!.GetTokenAsync(token);
                    return $"発行されました / issued, expires {issued.ExpiresOn:yyyy-MM-dd HH:mm}Z";
                },
                ct,
                GraphDoctor.ExplainToken))
        {
            return;
        }

        if (!await probe.StepAsync("TCP 接続 / TCP connect", where, async token =>
            {
                using var tcp = new TcpClient();
                await tcp.ConnectAsync(endpoint.Host, endpoint.Port, token);
                return $"{tcp.Client.RemoteEndPoint}";
            }, ct))
        {
            probe.Skip("TLS・ログイン / TLS, sign-in", "接続できないため確認していません / not checked: no connection");
            return;
        }

        string? seen = null;
        if (!await probe.StepAsync(TlsCheck(endpoint), where, async token =>
            {
                using var client = new ImapClient { Timeout = (int)probe.Request.Timeout.TotalMilliseconds };
                var verify = ImapConnector.Validator(endpoint);
                client.ServerCertificateValidationCallback = (sender, certificate, chain, errors) =>
                {
                    seen = certificate is null ? null : ImapConnector.Fingerprint(certificate);
                    return verify(sender, certificate, chain, errors);
                };
                await client.ConnectAsync(endpoint.Host, endpoint.Port, Options(endpoint), token);
                var how = endpoint.Security == ImapSecurity.None
                    ? "平文 (ループバックのみ) / plain text (loopback only)"
                    : endpoint.PinnedSha256 is { Length: > 0 }
                    ? "固定した証明書と一致 / matches the pinned certificate"
                    : "証明書を検証しました (システムの信頼ストア) / certificate verified (system trust store)";
                await client.DisconnectAsync(true, token);
                return how;
            }, ct, ex => TlsRefusal(ex, endpoint, seen, where)))
        {
            probe.Skip("ログイン / login", "サーバーの応答 (TLS) の確認が通らないため確認していません / not checked: the greeting (TLS) check failed");
            return;
        }

        if (accounts.Count == 0)
        {
            probe.Warn("ログイン / login", "アカウントの一覧が空です / the account list is empty", "mappings.identity のファイルを確認してください / check the mappings.identity file");
            return;
        }

        var tried = accounts.Take(probe.Request.Accounts).ToList();
        foreach (var account in tried)
        {
            var opened = await probe.StepAsync(
                $"ログインと INBOX (読み取り専用) アカウント {account} / sign-in and INBOX (read-only), account {account}", where,
                token => OpenAsync(endpoint, account, target, token), ct, ex => LoginRefusal(ex, endpoint, account, where));
            if (!opened && probe.Lines[^1].Failure is ConnectionFailureKind.Authentication or ConnectionFailureKind.Refused or ConnectionFailureKind.Tls or ConnectionFailureKind.Timeout)
            {
                var rest = tried.Count - tried.IndexOf(account) - 1;
                if (rest > 0)
                {
                    probe.Skip("ログイン / login", $"残り {rest} アカウントは同じ理由で失敗するため試していません / the other {rest} account(s) were not tried: they would fail the same way");
                }

                return;
            }
        }

        if (target && probe.Verdict != DoctorStatus.Failed)
        {
            probe.Ok("APPEND (書き込み) 権限 / APPEND (write) permission",
                "推定: 書き込まずには確かめられず、ログインと INBOX を開けたことから推定しました (最初の波の前に数件でリハーサルを) / "
                + "inferred: it cannot be proved without writing; the logins and INBOX opened (rehearse on a few mailboxes before the first wave)");
        }
    }

    private static string Credential(ImapEndpoint endpoint) => endpoint.LoginMode switch
    {
        ImapLoginMode.MasterUser => $"マスター ユーザー {endpoint.AdminUser} (パスワードあり) / master user {endpoint.AdminUser} (password set)",
        ImapLoginMode.SaslAuthzid => $"管理者 {endpoint.AdminUser} (SASL authzid, パスワードあり) / admin {endpoint.AdminUser} (SASL authzid, password set)",
        ImapLoginMode.PerAccount => $"アカウントごとのパスワード {endpoint.AccountPasswords.Count} 件 / per-account passwords: {endpoint.AccountPasswords.Count}",
        _ => "アプリのトークン (OAuth 2.0) / the app's token (OAuth 2.0)",
    };

    private static string TlsCheck(ImapEndpoint endpoint) => endpoint.Security switch
    {
        ImapSecurity.Tls => "TLS (証明書の検証) / TLS (certificate check)",
        ImapSecurity.StartTls => "STARTTLS (証明書の検証) / STARTTLS (certificate check)",
        _ => "IMAP の応答 (TLS なし) / IMAP greeting (no TLS)",
    };

    private static SecureSocketOptions Options(ImapEndpoint endpoint) => endpoint.Security switch
    {
        ImapSecurity.Tls => SecureSocketOptions.SslOnConnect,
        ImapSecurity.StartTls => SecureSocketOptions.StartTls,
        _ => SecureSocketOptions.None,
    };

    /// <summary>Logs in as the run does and opens INBOX with EXAMINE; on a target, reads the rights when the server has ACL.</summary>
    private static async Task<string?> OpenAsync(ImapEndpoint endpoint, string account, bool target, CancellationToken cancellationToken)
    {
        using var client = await ImapConnector.ConnectAsync(endpoint, account, cancellationToken);
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadOnly, cancellationToken);
        var found = $"INBOX {inbox.Count} 通 / {inbox.Count} messages";
        if (target && client.Capabilities.HasFlag(ImapCapabilities.Acl))
        {
            var rights = await inbox.GetMyAccessRightsAsync(cancellationToken);
            if (!rights.Contains(AccessRight.AppendMessages))
            {
                throw new Contracts.AccountFailedException(
                    $"INBOX にメッセージを追加する権限 (ACL の i) がありません (権限: {rights})",
                    $"no right to append messages to INBOX (ACL right i; rights: {rights})",
                    new UnauthorizedAccessException());
            }

            found += $", ACL {rights}";
        }

        await inbox.CloseAsync(false, cancellationToken);
        await client.DisconnectAsync(true, cancellationToken);
        return found;
    }

    private static (ConnectionFailureKind, string, string)? TlsRefusal(Exception ex, ImapEndpoint endpoint, string? seen, string where)
    {
        if (ex is NotSupportedException)
        {
            return (ConnectionFailureKind.Tls,
                $"{where} が STARTTLS を受け付けません / {where} does not offer STARTTLS",
                "security: tls (ポート 993) を試すか、サーバーの設定を確認してください / try security: tls (port 993) or check the server's settings");
        }

        if (ConnectionFailure.KindOf(ex) != ConnectionFailureKind.Tls)
        {
            return null;
        }

        var presented = seen is null ? string.Empty : $" サーバーの証明書 SHA-256 {seen} / the server presented SHA-256 {seen}";
        return endpoint.PinnedSha256 is { Length: > 0 }
            ? (ConnectionFailureKind.Tls,
                $"{where} の証明書が固定した証明書 (certificate-sha256) と違います。{presented}".TrimEnd() + $" / the certificate of {where} is not the pinned one (certificate-sha256)",
                "サーバーの証明書が更新されたのなら、新しい SHA-256 をサーバー管理者に確かめて certificate-sha256 を設定し直してください / if the server's certificate was renewed, confirm its new SHA-256 with the server's admin and set certificate-sha256 again")
            : (ConnectionFailureKind.Tls,
                $"{where} の証明書を検証できません (信頼された CA の発行でないか、名前が {endpoint.Host} と一致しません)。{presented}".TrimEnd() + $" / the certificate of {where} could not be verified (not from a trusted CA, or not made out to {endpoint.Host})",
                "正しい証明書なら certificate-sha256 にその SHA-256 を書いて固定してください / if it is the right certificate, pin it by writing its SHA-256 in certificate-sha256");
    }

    private static (ConnectionFailureKind, string, string)? LoginRefusal(Exception ex, ImapEndpoint endpoint, string account, string where)
    {
        var kind = ConnectionFailure.KindOf(ex);
        if (kind == ConnectionFailureKind.Permission)
        {
            return (kind, Platform.Logging.SecretMasker.Apply(ex.Message), "移行先の管理者にこのメールボックスへの書き込み権限 (ACL i) を確認してください / ask the target's admin to grant the append right (ACL i) on this mailbox");
        }

        if (kind != ConnectionFailureKind.Authentication)
        {
            return kind == ConnectionFailureKind.Other && ex is ImapCommandException command
                ? (ConnectionFailureKind.NotFound,
                    $"アカウント {account} の INBOX を開けません ({command.Response}) / cannot open INBOX of account {account} ({command.Response})",
                    $"アカウント {account} がサーバーにあるか確認してください / check that account {account} exists on the server")
                : null;
        }

        return endpoint.LoginMode switch
        {
            ImapLoginMode.MasterUser or ImapLoginMode.SaslAuthzid => (kind,
                $"{where} がログインを拒否しました (アカウント {account}, 管理者 {endpoint.AdminUser}) / {where} refused the sign-in (account {account}, admin {endpoint.AdminUser})",
                "管理者のユーザー名・パスワード (admin-password-env の変数の値)・login 方式を確認し、アカウントがサーバーにあるか確かめてください / "
                + "check the admin user, its password (the value of the admin-password-env variable) and the login: setting, and that the account exists on the server"),
            ImapLoginMode.PerAccount => (kind,
                $"{where} がアカウント {account} のログインを拒否しました / {where} refused the sign-in of account {account}",
                "account-passwords-file にあるこのアカウントのパスワードを確認してください / check this account's password in the account-passwords-file"),
            _ => (kind,
                $"{where} がメールボックス {account} へのアプリのログイン (OAuth) を拒否しました / {where} refused the app's OAuth sign-in to mailbox {account}",
                "アプリに IMAP.AccessAsApp (アプリケーション権限, 管理者の同意済み) があること、サービス プリンシパルが Exchange に登録され、このメールボックスに FullAccess があることを確認してください / "
                + "check that the app has IMAP.AccessAsApp (application permission, admin-consented), that its service principal is registered in Exchange and has FullAccess on this mailbox"),
        };
    }
}
