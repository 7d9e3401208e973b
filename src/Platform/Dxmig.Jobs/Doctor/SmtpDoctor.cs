using System.Net.Sockets;
using Dxmig.Imap;
using Dxmig.Platform.Alerts;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace Dxmig.Jobs.Doctor;

/// <summary>
/// The checks of the alert mail's SMTP server (<c>alerts:</c>), sending nothing: TCP, STARTTLS or TLS with the run's
/// certificate check (<see cref="SmtpCertificateCheck"/>: system CAs, the CA file, or the pin), and the login when a
/// user is given.
/// </summary>
public static class SmtpDoctor
{
    public static DoctorEndpoint Endpoint(AlertSettings settings, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var where = $"{settings.Host}:{settings.Port} ({settings.Security})";
        return new DoctorEndpoint("通知メール (SMTP) / alert mail (SMTP)", where, (probe, ct) => ProbeAsync(probe, settings, environment, where, ct));
    }

    private static async Task ProbeAsync(DoctorProbe probe, AlertSettings settings, Func<string, string?> environment, string where, CancellationToken ct)
    {
        string? password = null;
        if (settings.User is not null && !await probe.StepAsync("資格情報 / credential", where, _ =>
            {
                password = settings.Password?.Resolve(environment);
                return Task.FromResult<string?>($"ユーザー {settings.User} ({settings.Password}) / user {settings.User} ({settings.Password})");
            }, ct))
        {
            return;
        }

        if (!await probe.StepAsync("TCP 接続 / TCP connect", where, async token =>
            {
                using var tcp = new TcpClient();
                await tcp.ConnectAsync(settings.Host, settings.Port, token);
                return $"{tcp.Client.RemoteEndPoint}";
            }, ct))
        {
            return;
        }

        var (ja, en) = settings.Security == "none"
            ? ("SMTP の応答 (TLS なし)", "SMTP greeting (no TLS)")
            : ($"{settings.Security.ToUpperInvariant()} (証明書の検証)", $"{settings.Security.ToUpperInvariant()} (certificate check)");
        var check = settings.User is null ? $"{ja} / {en}" : $"{ja}・ログイン / {en} + sign-in";
        await probe.StepAsync(check, where, async token =>
        {
            using var client = new SmtpClient { Timeout = (int)probe.Request.Timeout.TotalMilliseconds };
            client.ServerCertificateValidationCallback = SmtpCertificateCheck.Validator(settings.PinnedSha256, settings.CaCertificate);
            var options = settings.Security switch
            {
                "tls" => SecureSocketOptions.SslOnConnect,
                "starttls" => SecureSocketOptions.StartTls,
                _ when ImapEndpoint.IsLoopbackHost(settings.Host) => SecureSocketOptions.None,
                _ => throw new Contracts.ConfigurationException($"平文の SMTP はループバックにだけ使えます / plain SMTP is allowed only to loopback: {where}"),
            };
            await client.ConnectAsync(settings.Host, settings.Port, options, token);
            var done = settings.Security == "none" ? "応答あり / answered" : "証明書を検証しました / certificate verified";
            if (settings.User is { } user)
            {
                if (!client.Capabilities.HasFlag(SmtpCapabilities.Authentication))
                {
                    throw new Contracts.ConfigurationException(
                        $"{where} がログイン (AUTH) を受け付けません。サーバーの設定か security (starttls / tls) を確認してください / "
                        + $"{where} does not offer authentication (AUTH); check the server's settings and security (starttls / tls)");
                }

                await client.AuthenticateAsync(user, password!, token);
                done += ", ログインできました / logged in";
            }

            await client.DisconnectAsync(true, token);
            return done + " (送信はしていません / nothing sent)";
        }, ct, ex => ex is NotSupportedException
            ? (ConnectionFailureKind.Tls, $"{where} が STARTTLS を受け付けません / {where} does not offer STARTTLS", "security: tls (ポート 465) を試すか、サーバーの設定を確認してください / try security: tls (port 465) or check the server's settings")
            : ex is MailKit.Security.AuthenticationException
            ? (ConnectionFailureKind.Authentication, $"{where} がログインを拒否しました (ユーザー {settings.User}) / {where} refused the sign-in (user {settings.User})",
                $"alerts.user とパスワード ({settings.Password}) を確認してください / check alerts.user and the password ({settings.Password})")
            : null);
    }
}
