using System.Data.Common;
using System.Net.Sockets;
using Dxmig.Contracts;
using Dxmig.Platform.Logging;
using MailKit;
using MailKit.Net.Imap;

namespace Dxmig.Platform.Pipeline;

/// <summary>
/// Why an account failed, in plain words first (Japanese / English), the library's own text after it as detail: a
/// library message in English ("Literal token length … exceeds …", "Connection refused") is never the whole
/// explanation. Secrets are masked.
/// </summary>
public static class FailureWords
{
    /// <summary>"サーバーが接続を拒否しました… / the server refused the connection… — 詳細 / detail: SocketException: Connection refused".</summary>
    public static string Explain(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (exception is AccountFailedException or ConfigurationException)
        {
            // Already written for a person, both languages.
            return SecretMasker.Apply(exception.Message);
        }

        var (ja, en) = Classify(exception);
        return $"{ja} / {en} — 詳細 / detail: {Detail(exception)}";
    }

    /// <summary>
    /// The plain sentence for an exception, Japanese and English: the innermost known cause speaks (a refused socket
    /// inside an I/O error says "refused", not "connection lost").
    /// </summary>
    public static (string Japanese, string English) Classify(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var chain = new List<Exception>();
        for (var e = exception; e is not null && chain.Count < 16; e = e.InnerException)
        {
            chain.Add(e);
        }

        for (var i = chain.Count - 1; i >= 0; i--)
        {
            if (Known(chain[i]) is { } words)
            {
                return words;
            }
        }

        return ("予期しないエラーが起きました。ログの詳細を確認してください", "an unexpected error; see the detail in the log");
    }

    private static (string, string)? Known(Exception e) => e switch
    {
        SocketException { SocketErrorCode: SocketError.ConnectionRefused } =>
            ("サーバーが接続を拒否しました (停止しているか、ホスト名・ポートが違います)", "the server refused the connection (it is down, or the host or port is wrong)"),
        SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain } =>
            ("サーバー名が見つかりません (ホスト名か DNS を確認してください)", "the server's name was not found (check the host name and DNS)"),
        SocketException { SocketErrorCode: SocketError.TimedOut } =>
            ("サーバーが時間内に応答しません (ネットワークかファイアウォールを確認してください)", "the server did not answer in time (check the network and the firewall)"),
        SocketException { SocketErrorCode: SocketError.ConnectionReset or SocketError.ConnectionAborted } =>
            ("サーバーとの接続が切れました", "the connection to the server was lost"),
        SocketException => ("ネットワークのエラーでサーバーに接続できません", "a network error: cannot reach the server"),
        MailKit.Security.SslHandshakeException or System.Security.Authentication.AuthenticationException =>
            ("TLS の接続を確立できません (証明書が信頼されていないか、TLS の設定が合いません)", "the TLS connection could not be set up (the certificate is not trusted, or the TLS settings do not match)"),
        MailKit.Security.AuthenticationException =>
            ("ログインが拒否されました (ユーザー名・パスワード・権限を確認してください)", "the login was refused (check the user, the password and the permissions)"),
        ImapProtocolException when e.Message.Contains("literal", StringComparison.OrdinalIgnoreCase) =>
            ("サーバーの応答が大きすぎるか形が崩れていて読めません (非常に大きなメッセージやヘッダーなど)", "the server's answer is too large or malformed to read (a very large message or header…)"),
        ImapProtocolException => ("IMAP サーバーの応答を読めません (途中で切れたか、規格外の応答です)", "the IMAP server's answer could not be read (cut off, or outside the standard)"),
        ImapCommandException => ("IMAP サーバーがコマンドを拒否しました", "the IMAP server refused a command"),
        ServiceNotConnectedException or IOException => ("サーバーとの接続が切れました", "the connection to the server was lost"),
        TimeoutException => ("時間切れになりました (サーバーが応答しません)", "it timed out (the server did not answer)"),
        HttpRequestException => ("HTTP の要求に失敗しました (ネットワークかサーバーの応答)", "an HTTP request failed (the network, or the server's answer)"),
        DbException => ("データベースのエラーです", "a database error"),
        _ => null,
    };

    private static string Detail(Exception exception) => SecretMasker.Apply($"{exception.GetType().Name}: {exception.Message}");
}
