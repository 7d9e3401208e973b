using System.Net.Sockets;
using Dxmig.Contracts;
using Dxmig.Platform.Pipeline;

namespace Dxmig.Platform.Tests.Pipeline;

public sealed class EndpointCircuitTests
{
    private static EndpointUnreachableException Refused(string endpoint = "imap.example.jp:993") =>
        new EndpointUnreachableException("IMAP", endpoint, EndpointFailureKind.Refused, "拒否", "refused", new SocketException((int)SocketError.ConnectionRefused));

    [Fact]
    public void Failed_TheFirstThreeAccountsAlike_OpensOnTheThird_AndFiresOpened()
    {
        using var circuit = new EndpointCircuit(accounts: 200);

        circuit.Failed("a", EndpointSide.Source, Refused()).Should().BeFalse();
        circuit.Failed("b", EndpointSide.Source, Refused()).Should().BeFalse();
        circuit.Opened.IsCancellationRequested.Should().BeFalse();
        circuit.Failed("c", EndpointSide.Source, Refused()).Should().BeTrue();

        circuit.Opened.IsCancellationRequested.Should().BeTrue();
        circuit.Outage.Should().BeEquivalentTo(new EndpointOutage(EndpointSide.Source, new EndpointFault(EndpointFailureKind.Refused, "IMAP", "imap.example.jp:993"), ["a", "b", "c"]));
        circuit.Outage!.Message.Should().StartWith("移行元 IMAP imap.example.jp:993 に接続できません (接続拒否)");
    }

    [Fact]
    public void Failed_ASuccessInBetween_StartsTheCountAgain()
    {
        using var circuit = new EndpointCircuit(accounts: 200);

        circuit.Failed("a", EndpointSide.Source, Refused());
        circuit.Failed("b", EndpointSide.Source, Refused());
        circuit.Succeeded();
        circuit.Failed("c", EndpointSide.Source, Refused());
        circuit.Failed("d", EndpointSide.Source, Refused());

        circuit.IsOpen.Should().BeFalse("only two in a row since the last account that worked");
        circuit.Failed("e", EndpointSide.Source, Refused()).Should().BeTrue();
    }

    [Fact]
    public void Failed_OtherFailuresOtherReasonsOtherEnds_DoNotAddUp()
    {
        using var circuit = new EndpointCircuit(accounts: 200);

        circuit.Failed("a", EndpointSide.Source, Refused()).Should().BeFalse();
        circuit.Failed("b", EndpointSide.Target, Refused()).Should().BeFalse();
        circuit.Failed("c", EndpointSide.Source, new AccountFailedException("一通拒否", "one message refused")).Should().BeFalse();
        circuit.Failed("d", EndpointSide.Source, new EndpointUnreachableException(
            "IMAP", "imap.example.jp:993", EndpointFailureKind.Certificate, "証明書", "certificate", new IOException())).Should().BeFalse();
        circuit.Failed("e", null, Refused()).Should().BeFalse("a failure of neither end (the ledger) is not counted");
        circuit.Failed("f", EndpointSide.Source, Refused("other.example.jp:993")).Should().BeFalse();

        circuit.IsOpen.Should().BeFalse();
    }

    [Fact]
    public void Failed_ARunOfTwoAccounts_OpensWhenBothFailed()
    {
        using var circuit = new EndpointCircuit(accounts: 2);

        circuit.Threshold.Should().Be(2);
        circuit.Failed("a", EndpointSide.Target, Refused()).Should().BeFalse();
        circuit.Failed("b", EndpointSide.Target, Refused()).Should().BeTrue();
        circuit.Outage!.NotTried.Should().Contain("the target cannot be reached");
    }
}
