using Dxmig.Imap;
using System.Globalization;
using System.Text;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Logging;
using Dxmig.Platform.Pipeline;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using MimeKit;

namespace Dxmig.Platform.Alerts;

/// <summary>
/// Mails the admins about a run (MailKit SMTP): Japanese first, English beside it; the outcome, the accounting of
/// every account, the failures in one line each, and where the log (and the reconciliation report) are. Every line
/// goes through the secret masker. A mail that cannot be sent is logged, never fails the run.
/// </summary>
public sealed class AlertMailer(AlertSettings settings, Func<string, string?> environment, ILogger logger)
{
    /// <summary>True when this run's outcome is one the settings mail about.</summary>
    public bool ShouldSend(RunResult result, bool incomplete)
    {
        ArgumentNullException.ThrowIfNull(result);
        // A stop (a signal, the window's end) is an operator's or the schedule's doing, not a failure. Warnings a person
        // must read (a mass deletion refused and waiting for confirmation) are mailed like failures.
        return settings.When == AlertWhen.Always || incomplete
            || result.Run.Outcome is RunOutcome.Failed or RunOutcome.Interrupted or RunOutcome.CompletedWithWarnings;
    }

    /// <summary>Builds the alert mail for a run.</summary>
    public MimeMessage Compose(string job, RunResult result, string? logFile, string? reportPath)
    {
        ArgumentNullException.ThrowIfNull(result);
        var run = result.Run;
        var failed = run.Outcome is RunOutcome.Failed or RunOutcome.Interrupted or RunOutcome.CompletedWithWarnings;
        var subject = run.Outcome == RunOutcome.CompletedWithWarnings
            ? $"[dxmig] 要確認: ジョブ {job} に確認が必要です / needs attention: job {job} ({run.RunId})"
            : failed
            ? $"[dxmig] 要対応: ジョブ {job} が失敗しました / action needed: job {job} failed ({run.RunId})"
            : $"[dxmig] ジョブ {job} の結果: {RunOutcomeWords.Words(run.Outcome).Japanese} / job {job}: {RunOutcomeWords.Words(run.Outcome).English} ({run.RunId})";
        var body = new StringBuilder();
        body.AppendLine(CultureInfo.InvariantCulture, $"ジョブ / job: {job}");
        body.AppendLine(CultureInfo.InvariantCulture, $"実行 / run: {run.RunId}  開始 / started {run.StartedUtc:yyyy-MM-dd HH:mm:ss}Z  結果 / outcome: {RunOutcomeWords.Text(run.Outcome)}");
        body.AppendLine(CultureInfo.InvariantCulture,
            $"集計 / accounting: {run.Accounting()}");
        body.AppendLine();
        body.AppendLine("アカウント別 / by account:");
        foreach (var account in result.Accounts.OrderBy(a => a.Outcome == RunOutcome.Succeeded).ThenBy(a => a.Account, StringComparer.Ordinal))
        {
            body.AppendLine(CultureInfo.InvariantCulture,
                $"  {account.Account}: {RunOutcomeWords.Text(account.Outcome)} 読込 {account.Seen} 投入 {account.Loaded} 隔離 {account.Quarantined}{(account.Message is { } e ? " — " + e : string.Empty)}");
        }

        body.AppendLine();
        if (logFile is not null)
        {
            body.AppendLine(CultureInfo.InvariantCulture, $"ログ / log: {logFile}");
        }

        if (reportPath is not null)
        {
            body.AppendLine(CultureInfo.InvariantCulture, $"照合レポート / reconciliation report: {reportPath}");
        }

        body.AppendLine(CultureInfo.InvariantCulture, $"履歴 / history: dxmig status {job}");
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(settings.From));
        foreach (var to in settings.To)
        {
            message.To.Add(MailboxAddress.Parse(to));
        }

        message.Subject = SecretMasker.Apply(subject);
        message.Body = new TextPart("plain") { Text = SecretMasker.Apply(body.ToString()) };
        return message;
    }

    /// <summary>The daily summary: every run of the job that started in the last 24 hours, with its accounting.</summary>
    public MimeMessage ComposeSummary(string job, IReadOnlyList<LedgerRun> runs, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var day = runs.Where(r => r.StartedUtc >= now.UtcDateTime.AddDays(-1)).OrderBy(r => r.StartedUtc).ToList();
        var failed = day.Count(r => r.Outcome is RunOutcome.Failed or RunOutcome.Interrupted);
        var body = new StringBuilder();
        body.AppendLine(CultureInfo.InvariantCulture, $"ジョブ / job: {job}   過去 24 時間の実行 / runs in the last 24 hours: {day.Count}   失敗 / failed: {failed}");
        body.AppendLine();
        foreach (var run in day)
        {
            body.AppendLine(CultureInfo.InvariantCulture,
                $"  {run.StartedUtc:yyyy-MM-dd HH:mm}Z {run.RunId} {RunOutcomeWords.Text(run.Outcome)}: 読込 seen {run.Seen} 投入 loaded {run.Loaded} スキップ skipped {run.Skipped} 隔離 quarantined {run.Quarantined} 削除 removed {run.Removed}{(run.Message is { } m ? " — " + m : string.Empty)}");
        }

        if (day.Count == 0)
        {
            body.AppendLine("  (実行なし / no runs)");
        }

        body.AppendLine();
        body.AppendLine(CultureInfo.InvariantCulture, $"履歴 / history: dxmig status {job}");
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(settings.From));
        foreach (var to in settings.To)
        {
            message.To.Add(MailboxAddress.Parse(to));
        }

        message.Subject = SecretMasker.Apply($"[dxmig] 日次報告 / daily summary: {job} — {day.Count} runs, {failed} failed");
        message.Body = new TextPart("plain") { Text = SecretMasker.Apply(body.ToString()) };
        return message;
    }

    /// <summary>Sends the mail; false (logged in plain words, never with the password) when the SMTP server cannot be reached or refuses it.</summary>
    public async Task<bool> SendAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var where = $"SMTP {settings.Host}:{settings.Port}";
        using var client = new SmtpClient { Timeout = 60_000 };
        try
        {
            client.ServerCertificateValidationCallback = SmtpCertificateCheck.Validator(settings.PinnedSha256, settings.CaCertificate);
            var options = settings.Security switch
            {
                "tls" => SecureSocketOptions.SslOnConnect,
                "starttls" => SecureSocketOptions.StartTls,
                _ when ImapEndpoint.IsLoopbackHost(settings.Host) => SecureSocketOptions.None,
                _ => throw new Contracts.ConfigurationException(
                    $"平文の SMTP はループバックにだけ使えます: {where} / plain SMTP is allowed only to loopback: {where}"),
            };
            await client.ConnectAsync(settings.Host, settings.Port, options, cancellationToken);
            if (settings.User is { } user)
            {
                var password = settings.Password?.Resolve(environment) ?? throw new Contracts.ConfigurationException(
                    $"{where}: ユーザー {user} のパスワードの参照がありません / no password is referenced for user {user}");
                if (!client.Capabilities.HasFlag(SmtpCapabilities.Authentication))
                {
                    Fail($"{where} がログイン (AUTH) を受け付けません。サーバーの設定か security (starttls / tls) を確認してください",
                        $"{where} does not offer authentication (AUTH); check the server's settings and security (starttls / tls)");
                    return false;
                }

                await client.AuthenticateAsync(user, password, cancellationToken);
            }

            await client.SendAsync(message, cancellationToken);
            await client.DisconnectAsync(true, cancellationToken);
            return true;
        }
        catch (SslHandshakeException)
        {
            Fail(settings.PinnedSha256 is not null
                    ? $"{where} の証明書が固定した証明書 (alerts.certificate-sha256) と違うため送信しませんでした。サーバーの証明書が更新されたなら新しい SHA-256 を確かめて設定し直してください"
                    : $"{where} の証明書を検証できないため送信しませんでした (信頼された CA の発行でないか、名前が {settings.Host} と一致しません)。発行元の CA 証明書を alerts.ca-certificate に指定するか、alerts.certificate-sha256 で固定してください",
                settings.PinnedSha256 is not null
                    ? $"not sent: the certificate of {where} is not the pinned one (alerts.certificate-sha256); if the server's certificate was renewed, check its new SHA-256 and set it again"
                    : $"not sent: the certificate of {where} could not be verified (not issued by a trusted CA, or not made out to {settings.Host}); give the issuing CA's certificate with alerts.ca-certificate or pin it with alerts.certificate-sha256");
            return false;
        }
        catch (AuthenticationException)
        {
            Fail($"{where} がログインを拒否しました (ユーザー {settings.User})。alerts.user とパスワード ({settings.Password}) を確認してください",
                $"{where} rejected authentication for user {settings.User}: check alerts.user and the password ({settings.Password})");
            return false;
        }
        catch (MailKit.ServiceNotAuthenticatedException)
        {
            Fail($"{where} は送信にログインを求めています。alerts.user と alerts.password-env (か password-file) を設定してください",
                $"{where} requires authentication (AUTH) before sending; set alerts.user and alerts.password-env (or password-file)");
            return false;
        }
        catch (NotSupportedException)
        {
            Fail($"{where} が STARTTLS を受け付けません。security: tls (ポート 465) を試すか、サーバーの設定を確認してください",
                $"{where} does not offer STARTTLS; try security: tls (port 465) or check the server's settings");
            return false;
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or MailKit.ProtocolException or MailKit.CommandException
            or TimeoutException or Contracts.ConfigurationException or System.Security.Cryptography.CryptographicException)
        {
            logger.LogError("管理者への通知メールを送れませんでした / the alert mail to the admins could not be sent: {Reason}", SecretMasker.Apply(ex.Message));
            return false;
        }
    }

    private void Fail(string japanese, string english) =>
        logger.LogError("管理者への通知メールを送れませんでした / the alert mail to the admins could not be sent: {Reason}", SecretMasker.Apply($"{japanese} / {english}"));
}
