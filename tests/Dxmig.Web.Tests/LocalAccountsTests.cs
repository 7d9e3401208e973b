using Dxmig.Cli.Commands;
using Dxmig.Cli.Console;
using Dxmig.Contracts;
using Dxmig.TestSupport;
using Dxmig.Web.Auth;
using Dxmig.Web.Live;
using Microsoft.Extensions.Time.Testing;

namespace Dxmig.Web.Tests;

/// <summary>Local accounts (PBKDF2 hashes in a file, made by <c>dxmig console-account</c>) and the live view's arithmetic.</summary>
public sealed class LocalAccountsTests
{
    [Fact]
    public void ConsoleAccountCommand_WritesOnlyAHash_OwnerOnly_AndTheHashVerifies()
    {
        using var folder = new TempFolder();
        var file = folder.File("accounts.txt");
        using var output = new StringWriter();
        var io = new CliIo(output, output, interactive: false, _ => null, TimeProvider.System);

        ConsoleAccountCommand.Execute(io, "kanri", "operator", file, remove: false, new StringReader("short\n")).Should().Be(2, "a password under 12 characters is refused");
        ConsoleAccountCommand.Execute(io, "kanri", "admin", file, remove: false, new StringReader("long-enough-Pw-123\n")).Should().Be(2, "only viewer or operator");
        ConsoleAccountCommand.Execute(io, "kanri", "operator", file, remove: false, new StringReader("long-enough-Pw-123\n")).Should().Be(0);
        ConsoleAccountCommand.Execute(io, "etsuran", "viewer", file, remove: false, new StringReader("another-Pw-4567\n")).Should().Be(0);
        ConsoleAccountCommand.Execute(io, "kanri", "operator", file, remove: false, new StringReader("changed-Pw-89012\n")).Should().Be(0, "the same name is replaced");

        var text = File.ReadAllText(file);
        text.Should().NotContain("long-enough-Pw-123").And.NotContain("changed-Pw-89012").And.Contain("pbkdf2-sha256$600000$");
        File.GetUnixFileMode(file).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var accounts = LocalAccounts.Read(file);
        accounts.Select(a => (a.Name, a.Role)).Should().Equal(("etsuran", "viewer"), ("kanri", "operator"));
        var check = new LocalAccounts(file, TimeProvider.System);
        check.Verify("kanri", "changed-Pw-89012", out _)!.Role.Should().Be("operator");
        check.Verify("kanri", "long-enough-Pw-123", out _).Should().BeNull("the old password no longer works");
        check.Verify("KANRI", "changed-Pw-89012", out _).Should().NotBeNull("names are not case-sensitive");

        ConsoleAccountCommand.Execute(io, "etsuran", "viewer", file, remove: true, new StringReader(string.Empty)).Should().Be(0);
        LocalAccounts.Read(file).Select(a => a.Name).Should().Equal("kanri");
    }

    [Fact]
    public void AccountsFile_ABadLine_IsNamedWithItsLine_AndALockEndsAfter15Minutes()
    {
        using var folder = new TempFolder();
        var file = folder.Write("accounts.txt", $"# comment\nkanri operator {LocalAccounts.HashPassword("right-password-1", 1000)}\nbroken line\n");
        var bad = () => LocalAccounts.Read(file);
        bad.Should().Throw<ConfigurationException>().WithMessage("*accounts.txt:3: エラー:*NAME ROLE HASH*");

        File.WriteAllText(file, $"kanri operator {LocalAccounts.HashPassword("right-password-1", 1000)}\n");
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-07T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var accounts = new LocalAccounts(file, clock);
        for (var i = 0; i < 5; i++)
        {
            accounts.Verify("kanri", "wrong-" + i, out var locked).Should().BeNull();
            locked.Should().BeFalse();
        }

        accounts.Verify("kanri", "right-password-1", out var nowLocked).Should().BeNull();
        nowLocked.Should().BeTrue();
        clock.Advance(TimeSpan.FromMinutes(16));
        accounts.Verify("kanri", "right-password-1", out var later).Should().NotBeNull();
        later.Should().BeFalse();
        LocalAccounts.Matches("pbkdf2-sha256$10$AAAA$AAAA", "x").Should().BeFalse("too few iterations is not a hash we accept");
    }

    [Fact]
    public void LiveRuns_CountItemsAndBytesPerAccount_RateAndTimeLeftFromTheEstimate_AndForgetTheRunAtTheEnd()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-07T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var live = new LiveRuns(clock);
        var inner = new CountingObserver();
        using (var watch = live.Observe("mail", "node-a", 2, inner))
        {
            watch.AccountStarted("aoki", new SourceEstimate(100, 1_000_000));
            watch.AccountStarted("baba", null);
            clock.Advance(TimeSpan.FromSeconds(10));
            watch.ItemsProcessed("aoki", 25, 250_000);
            watch.ItemsProcessed("baba", 7, 70_000);

            var run = live.Snapshot().Should().ContainSingle().Subject;
            run.Job.Should().Be("mail");
            run.Node.Should().Be("node-a");
            var aoki = run.Progress.Single(p => p.Account == "aoki");
            aoki.Items.Should().Be(25);
            aoki.BytesPerSecond.Should().BeApproximately(25_000, 1);
            aoki.Remaining.Should().Be(TimeSpan.FromSeconds(30), "750,000 bytes left at 25,000 bytes a second");
            run.Progress.Single(p => p.Account == "baba").Remaining.Should().BeNull("no estimate, no guess");
            inner.Items.Should().Be(32, "the run's own display still sees every batch");
        }

        live.Snapshot().Should().BeEmpty();
    }

    private sealed class CountingObserver : Dxmig.Platform.Pipeline.IRunObserver
    {
        public long Items { get; private set; }

        public void AccountStarted(string account, SourceEstimate? estimate)
        {
        }

        public void ItemsProcessed(string account, int items, long bytes) => Items += items;

        public void AccountFinished(Dxmig.Platform.Pipeline.AccountResult result)
        {
        }
    }
}
