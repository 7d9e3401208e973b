using System.Data.Common;
using System.Net.Sockets;
using Dxmig.Contracts;

namespace Dxmig.Contracts.Tests;

public sealed class EndpointFailureTests
{
    [Theory]
    [InlineData(SocketError.ConnectionRefused, EndpointFailureKind.Refused)]
    [InlineData(SocketError.HostNotFound, EndpointFailureKind.NameNotFound)]
    [InlineData(SocketError.TimedOut, EndpointFailureKind.Timeout)]
    public void Classify_ASocketErrorUnderAnAccountFailure_IsAnEndpointFailure(SocketError error, EndpointFailureKind kind)
    {
        var failure = new AccountFailedException("接続できません", "cannot connect", new IOException("wrapped", new SocketException((int)error)));

        EndpointFailure.Classify(failure).Should().Be(new EndpointFault(kind, null, null));
    }

    [Fact]
    public void Classify_AConnectionResetMidMailbox_IsNotAnEndpointFailure()
    {
        EndpointFailure.Classify(new IOException("reset", new SocketException((int)SocketError.ConnectionReset))).Should().BeNull();
        EndpointFailure.Classify(new AccountFailedException("ログイン拒否", "login refused for this account's own password")).Should().BeNull();
        EndpointFailure.Classify(new InvalidOperationException("one message refused")).Should().BeNull();
    }

    [Fact]
    public void Classify_TheTypedFailure_KeepsItsServerAndKind()
    {
        var typed = new EndpointUnreachableException("IMAP", "imap.example.jp:993", EndpointFailureKind.AdminLoginRefused, "拒否", "refused", new IOException());

        EndpointFailure.Classify(new InvalidOperationException("outer", typed)).Should().Be(new EndpointFault(EndpointFailureKind.AdminLoginRefused, "IMAP", "imap.example.jp:993"));
    }

    [Fact]
    public void Classify_HttpAndDatabaseFailures_NameTheirKindOfServer()
    {
        EndpointFailure.Classify(new HttpRequestException(HttpRequestError.NameResolutionError, "no such host"))!.Kind.Should().Be(EndpointFailureKind.NameNotFound);
        EndpointFailure.Classify(new HttpRequestException(HttpRequestError.SecureConnectionError, "tls"))!.Kind.Should().Be(EndpointFailureKind.Certificate);
        EndpointFailure.Classify(new HttpRequestException(HttpRequestError.ConnectionError, "refused", new SocketException((int)SocketError.ConnectionRefused)))
            .Should().Be(new EndpointFault(EndpointFailureKind.Refused, "HTTPS", null));
        EndpointFailure.Classify(new FakeDbException("28P01")).Should().Be(new EndpointFault(EndpointFailureKind.AdminLoginRefused, "PostgreSQL", null));
        EndpointFailure.Classify(new FakeDbException("23505")).Should().BeNull("a unique violation is a row's problem, not the server's");
    }

    [Fact]
    public void Describe_SaysWhichEndWhichServerWhyAndWhatToCheck_InBothLanguages()
    {
        var line = EndpointFailure.Describe(EndpointSide.Source, new EndpointFault(EndpointFailureKind.Refused, "IMAP", "imap.example.jp:993"));

        line.Should().Be(
            "移行元 IMAP imap.example.jp:993 に接続できません (接続拒否)。サーバーが起動しているか、ポート番号とファイアウォールを確認してください / "
            + "cannot connect to the source IMAP imap.example.jp:993 (connection refused): check that the server is running, the port number and the firewall");
        EndpointFailure.Describe(null, new EndpointFault(EndpointFailureKind.Timeout, null, null)).Should().StartWith("サーバー に接続できません (応答がありません (タイムアウト))");
        foreach (var kind in Enum.GetValues<EndpointFailureKind>())
        {
            EndpointFailure.Describe(EndpointSide.Target, new EndpointFault(kind, "Microsoft Graph", "graph.microsoft.com:443"))
                .Should().StartWith("移行先 Microsoft Graph graph.microsoft.com:443 に").And.Contain(" / cannot ").And.Contain("the target Microsoft Graph graph.microsoft.com:443");
        }
    }

    private sealed class FakeDbException(string state) : DbException("database said no")
    {
        public override string SqlState => state;
    }
}
