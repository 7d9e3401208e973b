namespace Dxmig.GraphEmulator.Tests;

public sealed class ExchangeMailboxAccessTests
{
    private const string A = "a@pref.example.jp";
    private const string B = "b@pref.example.jp";
    private const string C = "c@pref.example.jp";

    [Fact]
    public async Task EveryMailbox_ByDefault_NewOnesToo_ButTheOnesWithheldAtStart()
    {
        await using var emu = await GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = [A, B], UsersWithoutMailboxAccess = [B] }, CancellationToken.None);
        var changes = 0;
        emu.MailboxAccess.Changed += (_, _) => changes++;

        emu.AddUser(C);

        emu.MailboxAccess.MailboxesWithFullAccess().Should().Equal(A, C);
        emu.MailboxAccess.HasFullAccess("A@PREF.EXAMPLE.JP").Should().BeTrue("UPNs compare case-insensitively");
        emu.MailboxAccess.HasFullAccess(B).Should().BeFalse();
        emu.MailboxAccess.HasFullAccess("nobody@pref.example.jp").Should().BeFalse("no mailbox, no permission");
        changes.Should().Be(1);
    }

    [Fact]
    public async Task RevokeAndGrant_ChangeTheList_AndSaySo()
    {
        await using var emu = await GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = [A, B] }, CancellationToken.None);
        var changes = 0;
        emu.MailboxAccess.Changed += (_, _) => changes++;

        emu.RevokeMailboxAccess(A);
        var afterRevoke = emu.MailboxAccess.MailboxesWithFullAccess();
        emu.GrantMailboxAccess(A);

        afterRevoke.Should().Equal(B);
        emu.MailboxAccess.MailboxesWithFullAccess().Should().Equal(A, B);
        changes.Should().Be(2);
    }
}
