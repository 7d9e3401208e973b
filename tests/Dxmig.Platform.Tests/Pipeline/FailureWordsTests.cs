using System.Net.Sockets;
using Dxmig.Contracts;
using Dxmig.Platform.Pipeline;
using MailKit.Net.Imap;

namespace Dxmig.Platform.Tests.Pipeline;

/// <summary>A failed account is explained in plain words first (Japanese / English), the library's English text only after it as detail.</summary>
public sealed class FailureWordsTests
{
    [Fact]
    public void Explain_MailKitsLiteralTooLong_SaysInPlainWordsFirst_ThenTheLibraryText()
    {
        var text = FailureWords.Explain(new ImapProtocolException("Literal token length 104857600 exceeds the maximum allowed."));

        text.Should().StartWith("サーバーの応答が大きすぎるか形が崩れていて読めません")
            .And.Contain(" / the server's answer is too large or malformed to read")
            .And.EndWith("— 詳細 / detail: ImapProtocolException: Literal token length 104857600 exceeds the maximum allowed.");
    }

    [Theory]
    [InlineData(SocketError.ConnectionRefused, "サーバーが接続を拒否しました", "the server refused the connection")]
    [InlineData(SocketError.HostNotFound, "サーバー名が見つかりません", "the server's name was not found")]
    [InlineData(SocketError.TimedOut, "サーバーが時間内に応答しません", "the server did not answer in time")]
    public void Explain_SocketFailures_NameTheCause(SocketError error, string japanese, string english)
    {
        var text = FailureWords.Explain(new IOException("wrapped", new SocketException((int)error)));

        text.Should().StartWith(japanese).And.Contain(english).And.Contain("詳細 / detail: IOException: wrapped");
    }

    [Fact]
    public void Explain_LoginAndTls_AreToldApart()
    {
        FailureWords.Explain(new MailKit.Security.AuthenticationException("AUTHENTICATE failed")).Should().StartWith("ログインが拒否されました");
        FailureWords.Explain(new MailKit.Security.SslHandshakeException("handshake")).Should().StartWith("TLS の接続を確立できません");
    }

    [Fact]
    public void Explain_AMessageAlreadyWrittenForAPerson_IsKeptAsItIs()
    {
        FailureWords.Explain(new AccountFailedException("ログインが拒否されました", "login refused")).Should().Be("ログインが拒否されました / login refused");
    }
}
