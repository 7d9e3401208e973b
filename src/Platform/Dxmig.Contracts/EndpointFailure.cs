using System.Data.Common;
using System.Net.Sockets;

namespace Dxmig.Contracts;

/// <summary>
/// The one classifier of "the server cannot be reached at all" failures, for the run's circuit, <c>plan</c>,
/// <c>reconcile</c> and <c>doctor</c>: connection refused, host name not found, TLS/certificate refused, the admin (or
/// app) credential refused, no answer when connecting. Everything else — a dropped connection in the middle of a
/// mailbox, one message refused, one user's own password refused — is not an endpoint failure (<see cref="Classify"/>
/// answers null). Also the plain words for each class: what happened and what to check.
/// </summary>
public static class EndpointFailure
{
    /// <summary>The endpoint failure an exception (or one of its inner exceptions) is, or null when it is none.</summary>
    public static EndpointFault? Classify(Exception? exception)
    {
        // What the outer exceptions say the server is (the socket error underneath does not).
        string? service = null;
        for (var ex = exception; ex is not null; ex = ex.InnerException)
        {
            switch (ex)
            {
                case EndpointUnreachableException typed:
                    return new EndpointFault(typed.Kind, typed.Service, typed.Endpoint);
                case SocketException socket when Of(socket.SocketErrorCode) is { } kind:
                    return new EndpointFault(kind, service, null);
                case HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError }:
                    return new EndpointFault(EndpointFailureKind.NameNotFound, "HTTPS", null);
                case HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError }:
                    return new EndpointFault(EndpointFailureKind.Certificate, "HTTPS", null);
                case System.Security.Authentication.AuthenticationException:
                    // The TLS stack's own exception (SslStream): a refused certificate or handshake.
                    return new EndpointFault(EndpointFailureKind.Certificate, service, null);
                case DbException { SqlState: "28P01" or "28000" }:
                    // PostgreSQL: invalid_password, invalid_authorization_specification.
                    return new EndpointFault(EndpointFailureKind.AdminLoginRefused, "PostgreSQL", null);
                case DbException:
                    service ??= "PostgreSQL";
                    break;
                case HttpRequestException:
                    service ??= "HTTPS";
                    break;
            }
        }

        return null;
    }

    /// <summary>The class of a socket error, or null for one that is not about reaching the server (a reset, an abort).</summary>
    public static EndpointFailureKind? Of(SocketError error) => error switch
    {
        SocketError.ConnectionRefused => EndpointFailureKind.Refused,
        SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => EndpointFailureKind.NameNotFound,
        SocketError.TimedOut or SocketError.HostUnreachable or SocketError.NetworkUnreachable => EndpointFailureKind.Timeout,
        _ => null,
    };

    /// <summary>The reason in a few words, Japanese and English.</summary>
    public static (string Japanese, string English) Reason(EndpointFailureKind kind) => kind switch
    {
        EndpointFailureKind.Refused => ("接続拒否", "connection refused"),
        EndpointFailureKind.NameNotFound => ("ホスト名が見つかりません", "host name not found"),
        EndpointFailureKind.Certificate => ("TLS 証明書を検証できません", "TLS certificate not trusted"),
        EndpointFailureKind.AdminLoginRefused => ("管理者の資格情報でのログインが拒否されました", "the admin credential was refused"),
        EndpointFailureKind.Timeout => ("応答がありません (タイムアウト)", "no answer (timed out)"),
        EndpointFailureKind.ClosedOnConnect => ("接続直後に切断されました", "the connection was closed before the server answered"),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>What a person checks for that class, Japanese and English.</summary>
    public static (string Japanese, string English) Advice(EndpointFailureKind kind) => kind switch
    {
        EndpointFailureKind.Refused => ("サーバーが起動しているか、ポート番号とファイアウォールを確認してください", "check that the server is running, the port number and the firewall"),
        EndpointFailureKind.NameNotFound => ("ホスト名の綴りと DNS を確認してください", "check the host name's spelling and DNS"),
        EndpointFailureKind.Certificate => (
            "サーバーの証明書が信頼されているか確認してください (正しい証明書なら certificate-sha256 で固定できます)",
            "check that the server's certificate is trusted (if it is the right one, pin it with certificate-sha256)"),
        EndpointFailureKind.AdminLoginRefused => (
            "ジョブの管理者ユーザー (またはアプリ) とそのパスワード (シークレット) の環境変数、ログイン方式を確認してください",
            "check the job's admin user (or app), the environment variable with its password (secret), and the login mode"),
        EndpointFailureKind.Timeout => ("ホスト名・ポート番号と、途中のファイアウォールやネットワークを確認してください", "check the host name, the port and any firewall or network in between"),
        EndpointFailureKind.ClosedOnConnect => (
            "サーバー (または前段の装置) が正常に動いているか、同時接続数の上限を確認してください",
            "check that the server (or whatever stands in front of it) is healthy, and its connection limits"),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>
    /// The one line a person reads: "移行元 IMAP host:993 に接続できません (接続拒否)。…を確認してください / cannot connect to the
    /// source IMAP host:993 (connection refused): check …".
    /// </summary>
    /// <param name="side">Where the server stands (source or target); null when it is neither or not known (a ledger, say).</param>
    /// <param name="fault">The failure.</param>
    /// <param name="fallback">What to name the server with when the failure does not say (the kind's own description).</param>
    public static string Describe(EndpointSide? side, EndpointFault fault, string? fallback = null)
    {
        ArgumentNullException.ThrowIfNull(fault);
        var (sideJa, sideEn) = side switch
        {
            EndpointSide.Source => ("移行元 ", "the source "),
            EndpointSide.Target => ("移行先 ", "the target "),
            _ => (string.Empty, string.Empty),
        };
        var name = fault.Endpoint is { Length: > 0 } endpoint ? $"{fault.Service} {endpoint}".Trim() : fallback ?? fault.Service;
        var (nameJa, nameEn) = name is { Length: > 0 } ? (name, name) : ("サーバー", "server");
        var (reasonJa, reasonEn) = Reason(fault.Kind);
        var (adviceJa, adviceEn) = Advice(fault.Kind);
        var verbJa = fault.Kind == EndpointFailureKind.AdminLoginRefused ? "にログインできません" : "に接続できません";
        var verbEn = fault.Kind == EndpointFailureKind.AdminLoginRefused ? "cannot log in to" : "cannot connect to";
        return $"{sideJa}{nameJa} {verbJa} ({reasonJa})。{adviceJa} / {verbEn} {sideEn}{nameEn} ({reasonEn}): {adviceEn}";
    }
}
