using System.Net.Sockets;
using Azure.Identity;
using Dxmig.Contracts;
using Dxmig.Platform.Logging;
using MailKit.Security;
using Npgsql;

namespace Dxmig.Jobs.Doctor;

/// <summary>
/// Sorts a connection's failure into what a person acts on (<see cref="ConnectionFailureKind"/>) with the reason and the
/// fix in plain words, Japanese / English. The exception chain is searched for the socket error, the TLS or login
/// refusal, or the server's code (SQLSTATE, AADSTS), never for library message text; no secret is ever in the result.
/// Reachability itself (refused, DNS, TLS, admin login, timeout) comes from <see cref="EndpointFailure"/>, the run's circuit's classifier.
/// </summary>
public static class ConnectionFailure
{
    /// <summary>The kind of failure, the reason and what to fix, for an exception thrown while reaching <paramref name="where"/>.</summary>
    public static (ConnectionFailureKind Kind, string Reason, string Fix) Classify(Exception exception, string where)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var kind = KindOf(exception);
        var (reason, fix) = kind switch
        {
            ConnectionFailureKind.Refused => (
                $"{where} が接続を拒否しました (サーバーが止まっているか、ポートが違います) / {where} refused the connection (the server is down or the port is wrong)",
                "サーバーが動いていること、host と port が正しいことを確認してください / check that the server is running and that host and port are right"),
            ConnectionFailureKind.Dns => (
                $"ホスト名を引けません ({where}) / the host name does not resolve ({where})",
                "host の綴りと DNS を確認してください / check the spelling of host and the DNS"),
            ConnectionFailureKind.Timeout => (
                $"{where} が時間内に応答しません / {where} did not answer in time",
                "ファイアウォール (通信の許可) とサーバーの状態を確認してください / check the firewall (is the port allowed?) and the server"),
            ConnectionFailureKind.Tls => (
                $"{where} との TLS 接続で証明書を検証できません / the TLS certificate of {where} could not be verified",
                "信頼された CA の証明書か、名前が host と一致するかを確認してください。正しい証明書なら certificate-sha256 で固定できます / "
                + "check that the certificate is from a trusted CA and names the host; if it is the right one, pin it with certificate-sha256"),
            ConnectionFailureKind.Authentication => (
                $"{where} がログイン (資格情報) を拒否しました / {where} refused the sign-in (credential)",
                "ユーザー名とパスワード (またはシークレット・証明書) を確認してください / check the user name and the password (or the secret, certificate)"),
            ConnectionFailureKind.Permission => (
                $"{where} で権限がありません / no permission at {where}",
                "アカウント (アプリ) の権限を確認してください / check the account's (app's) permissions"),
            ConnectionFailureKind.NotFound => (
                $"{where} に見つかりません / not found at {where}",
                "名前 (アカウント、パス) を確認してください / check the name (account, path)"),
            ConnectionFailureKind.Configuration => (
                Message(exception),
                "ジョブファイルの設定と環境変数を確認してください / check the job file's settings and the environment variables"),
            _ => (
                $"{where}: {Message(exception)}",
                "上の理由を確認してください / see the reason above"),
        };
        return (kind, SecretMasker.Apply(reason), fix);
    }

    /// <summary>The kind of the failure, from the innermost cause that tells.</summary>
    public static ConnectionFailureKind KindOf(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);

        // "The server cannot be reached at all" is the run's own classifier (the circuit per endpoint), so doctor and
        // the run name a failure the same way; doctor adds the kinds a run does not stop for (permission, not found).
        if (EndpointFailure.Classify(exception) is { } fault)
        {
            return fault.Kind switch
            {
                EndpointFailureKind.Refused or EndpointFailureKind.ClosedOnConnect => ConnectionFailureKind.Refused,
                EndpointFailureKind.NameNotFound => ConnectionFailureKind.Dns,
                EndpointFailureKind.Timeout => ConnectionFailureKind.Timeout,
                EndpointFailureKind.Certificate => ConnectionFailureKind.Tls,
                EndpointFailureKind.AdminLoginRefused => ConnectionFailureKind.Authentication,
                _ => ConnectionFailureKind.Other,
            };
        }

        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case SocketException:
                    return ConnectionFailureKind.Other;
                case SslHandshakeException or System.Security.Authentication.AuthenticationException:
                    return ConnectionFailureKind.Tls;
                case MailKit.Security.AuthenticationException:
                    return ConnectionFailureKind.Authentication;
                case PostgresException postgres:
                    return postgres.SqlState switch
                    {
                        "28P01" or "28000" => ConnectionFailureKind.Authentication,
                        "42501" => ConnectionFailureKind.Permission,
                        "3D000" => ConnectionFailureKind.NotFound,
                        _ => ConnectionFailureKind.Other,
                    };
                case AuthenticationFailedException when Inner<System.Security.Authentication.AuthenticationException>(e) is not null:
                    return ConnectionFailureKind.Tls;
                case AuthenticationFailedException when Inner<SocketException>(e) is { } socket:
                    return KindOf(socket);
                case AuthenticationFailedException:
                    return ConnectionFailureKind.Authentication;
                case TimeoutException or OperationCanceledException:
                    return ConnectionFailureKind.Timeout;
                case ConfigurationException:
                    return ConnectionFailureKind.Configuration;
                case UnauthorizedAccessException:
                    return ConnectionFailureKind.Permission;
                case FileNotFoundException or DirectoryNotFoundException:
                    return ConnectionFailureKind.NotFound;
            }
        }

        return ConnectionFailureKind.Other;
    }

    /// <summary>
    /// Entra ID's error number (AADSTS…) in a token request's failure, with what it means in plain words; null when
    /// there is none.
    /// </summary>
    public static (string Reason, string Fix)? TokenRefusal(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            var match = System.Text.RegularExpressions.Regex.Match(e.Message, @"AADSTS(\d+)", System.Text.RegularExpressions.RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            if (!match.Success)
            {
                continue;
            }

            var code = match.Groups[1].Value;
            return code switch
            {
                "7000215" or "7000222" => (
                    $"クライアント シークレットが違うか期限切れです (AADSTS{code}) / the client secret is wrong or expired (AADSTS{code})",
                    "Entra ID のアプリ登録で新しいシークレットを作り、その「値」(ID ではなく) を設定してください / create a new secret in the app registration and set its value (not its ID)"),
                "700016" => (
                    $"このテナントにアプリ (client-id) が見つかりません (AADSTS{code}) / the app (client-id) is not found in this tenant (AADSTS{code})",
                    "client-id と tenant-id がアプリ登録の値と一致するか確認してください / check that client-id and tenant-id match the app registration"),
                "90002" or "900023" => (
                    $"テナント (tenant-id) が見つかりません (AADSTS{code}) / the tenant (tenant-id) is not found (AADSTS{code})",
                    "tenant-id (ディレクトリ ID) を確認してください / check tenant-id (the directory id)"),
                "700027" or "700024" or "7000274" => (
                    $"証明書によるアプリの認証が拒否されました (AADSTS{code}) / the app's certificate was refused (AADSTS{code})",
                    "アプリ登録にこの証明書 (公開鍵) が登録されていて期限内か確認してください / check that this certificate (its public key) is uploaded to the app registration and not expired"),
                _ => (
                    $"Entra ID がトークンの発行を拒否しました (AADSTS{code}) / Entra ID refused to issue a token (AADSTS{code})",
                    "tenant-id・client-id・シークレット (か証明書) を確認してください / check tenant-id, client-id and the secret (or certificate)"),
            };
        }

        return null;
    }

    private static T? Inner<T>(Exception exception)
        where T : Exception
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }
        }

        return null;
    }

    /// <summary>The message a person can read: a bilingual one of dxmig as it is, a library's reduced to its type and first sentence.</summary>
    private static string Message(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is ConfigurationException or AccountFailedException)
            {
                return SecretMasker.Apply(e.Message);
            }
        }

        var first = exception.Message.Split('\n', 2)[0].Trim();
        return SecretMasker.Apply($"{exception.GetType().Name}: {first}");
    }
}
