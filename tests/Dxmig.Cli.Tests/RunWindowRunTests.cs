using Dxmig.Platform.Ledger;
using Dxmig.Platform.Pipeline;
using Microsoft.Extensions.Time.Testing;

using Dxmig.TestSupport;
using Dxmig.TestSupport.Jobs;

namespace Dxmig.Cli.Tests;

/// <summary>A mail job with a night window (20:00–07:00 Asia/Tokyo) on a fake clock: no sleeping.</summary>
public sealed class RunWindowRunTests : IAsyncLifetime
{
    private static readonly string[] Users = ["tanaka", "suzuki"];
    private MailRunHarness mail = null!;

    public async Task InitializeAsync() => mail = await MailRunHarness.StartAsync(Users, messages: 300);

    public async Task DisposeAsync() => await mail.DisposeAsync();

    private static DateTimeOffset Tokyo(int day, int hour, int minute = 0) => new(2026, 11, day, hour, minute, 0, TimeSpan.FromHours(9));

    [Fact]
    public async Task WindowEnd_StopsMidFolder_OutsideTheWindowNothingStarts_AndTheNextWindowFinishesWithNothingLostOrDoubled()
    {
        var job = mail.JobVariant("night", text => text.Replace(
            "ledger: ${DXMIG_LEDGER",
            "schedule:\n  window: \"20:00-07:00\"\n  calendar: every-day\n  time-zone: Asia/Tokyo\nledger: ${DXMIG_LEDGER",
            StringComparison.Ordinal).Replace("batch-size: 200", "batch-size: 20", StringComparison.Ordinal).Replace("parallelism: 4", "parallelism: 1", StringComparison.Ordinal));
        var clock = new FakeTimeProvider(Tokyo(26, 6, 58));
        mail.Cli.Time = clock;
        var total = mail.Manifest.Messages.Count();

        // 06:58: inside the window. Once part of the mail is in, the clock passes 07:00.
        var run = Task.Run(() => mail.Cli.RunAsync("run", job));
        await mail.Cli.WaitForLoadedAsync(minimumLoaded: 60, process: null);
        clock.Advance(TimeSpan.FromMinutes(3));
        var (code, output, error) = await run;

        code.Should().Be(ExitCodes.WindowClosed, output + error);
        output.Should().Contain("実行時間帯の終わりで停止しました").And.Contain("2026-11-26 20:00");
        var loaded = (await mail.Cli.LedgerStatesAsync()).GetValueOrDefault(ItemState.Loaded);
        loaded.Should().BeInRange(60, total - 1, "stopped mid-run, after the batch in hand");
        (await mail.Cli.LedgerStatesAsync()).Should().NotContainKey(ItemState.Pending, "the batch in hand was finished and recorded");

        // 07:30: outside the window: nothing starts.
        clock.SetUtcNow(Tokyo(26, 7, 30));
        var outside = await mail.Cli.RunAsync("run", job);
        outside.ExitCode.Should().Be(ExitCodes.WindowClosed);
        outside.Output.Should().Contain("実行時間帯の外のため実行しません").And.Contain("2026-11-26 20:00");
        (await mail.Cli.LedgerStatesAsync()).GetValueOrDefault(ItemState.Loaded).Should().Be(loaded);

        // 20:00: the next window finishes the job.
        clock.SetUtcNow(Tokyo(26, 20, 0));
        var (next, nextOutput, nextError) = await mail.Cli.RunAsync("run", job);
        next.Should().Be(ExitCodes.Success, nextOutput + nextError);
        var (lost, doubled) = (0, 0);
        foreach (var user in Users)
        {
            var expected = mail.Manifest[user].Messages.Select(m => (Folder: MailRunHarness.TargetFolder(m.Folder), m.Sha256)).ToList();
            var actual = (await mail.TargetMessagesAsync(user)).Select(m => (m.Folder, m.Sha256)).ToList();
            (lost, doubled) = LossCount.Tally(expected, actual, lost, doubled);
        }

        ChaosTally.Record("imap→imap, run window closed mid-folder, finished in the next window", faults: 1, kills: 0, runs: 3, total, lost, doubled);
        foreach (var user in Users)
        {
            await mail.AssertTargetHoldsAsync(user, mail.Manifest[user].Messages.Select(m => m.ToStored()));
        }
    }
}
