using System.Globalization;
using Dxmig.Platform.Pipeline;
using Dxmig.TestSupport;
using Dxmig.TestSupport.Jobs;
using Xunit.Abstractions;

namespace Dxmig.Cli.Tests;

/// <summary>Mail runs through <see cref="FaultProxy"/>: connections cut at seeded random byte offsets; the job is re-run
/// until it exits 0, then every message must be on the target exactly once.</summary>
public sealed class MailFaultRunTests(ITestOutputHelper log)
{
    private const int MaxRuns = 12;
    private static readonly string[] Users = ["tanaka", "suzuki", "sato"];

    [Theory]
    [InlineData("DST", 11)]
    [InlineData("SRC", 12)]
    public async Task Run_ImapConnectionsCutAtRandomOffsets_RerunsLoseAndDoubleNothing(string side, int seed)
    {
        await using var mail = await MailRunHarness.StartAsync(Users, messages: 150);
        var server = side == "DST" ? mail.Target : mail.Source;
        await using var proxy = FaultProxy.Start(server.Host, server.Port, DropPlan(seed));
        mail.Cli.Environment[$"DXMIG_{side}_HOST"] = proxy.Host;
        mail.Cli.Environment[$"DXMIG_{side}_PORT"] = proxy.Port.ToString(CultureInfo.InvariantCulture);

        var runs = await RunUntilSuccessAsync(() => mail.RunAsync());

        proxy.Faults = FaultPlan.None;
        var (lost, doubled) = (0, 0);
        foreach (var user in Users)
        {
            var expected = mail.Manifest[user].Messages.Select(m => (Folder: MailRunHarness.TargetFolder(m.Folder), m.Sha256)).ToList();
            var actual = (await mail.TargetMessagesAsync(user)).Select(m => (m.Folder, m.Sha256)).ToList();
            (lost, doubled) = LossCount.Tally(expected, actual, lost, doubled);
        }

        Report($"imap→imap, proxy before the {(side == "DST" ? "target" : "source")}", proxy, runs, mail.Manifest.Messages.Count(), lost, doubled);
        proxy.FaultsByKind[ProxyFaultKind.Drop].Should().BeGreaterThan(1, "several connections were cut");
        foreach (var user in Users)
        {
            await mail.AssertTargetHoldsAsync(user, mail.Manifest[user].Messages.Select(m => m.ToStored()));
        }
    }

    [Fact]
    public async Task Run_ImapTargetStallsAndSlowLink_FinishesInOneRunWithNothingLostOrDoubled()
    {
        await using var mail = await MailRunHarness.StartAsync(Users, messages: 150);
        await using var proxy = FaultProxy.Start(mail.Target.Host, mail.Target.Port, new FaultPlan
        {
            Seed = 14,
            StallProbability = 0.8,
            StallMaxOffset = 200_000,
            StallDuration = TimeSpan.FromSeconds(2),
            BytesPerSecond = 2_000_000,
        });
        mail.Cli.Environment["DXMIG_DST_HOST"] = proxy.Host;
        mail.Cli.Environment["DXMIG_DST_PORT"] = proxy.Port.ToString(CultureInfo.InvariantCulture);

        var runs = await RunUntilSuccessAsync(() => mail.RunAsync());

        var (lost, doubled) = (0, 0);
        foreach (var user in Users)
        {
            var expected = mail.Manifest[user].Messages.Select(m => (Folder: MailRunHarness.TargetFolder(m.Folder), m.Sha256)).ToList();
            var actual = (await mail.TargetMessagesAsync(user)).Select(m => (m.Folder, m.Sha256)).ToList();
            (lost, doubled) = LossCount.Tally(expected, actual, lost, doubled);
        }

        Report("imap→imap, stalls of 2 s and 2 MB/s before the target", proxy, runs, mail.Manifest.Messages.Count(), lost, doubled);
        runs.Should().Be(1, "a stall shorter than the timeouts and a slow link are no failure");
        proxy.FaultsByKind[ProxyFaultKind.Stall].Should().BeGreaterThan(1);
        foreach (var user in Users)
        {
            await mail.AssertTargetHoldsAsync(user, mail.Manifest[user].Messages.Select(m => m.ToStored()));
        }
    }

    [Fact]
    public async Task Run_GraphConnectionsCutAtRandomOffsets_RerunsLoseAndDoubleNothing()
    {
        await using var mail = await MailGraphHarness.StartAsync(Users, messages: 150);
        var graphPort = new Uri(mail.Graph.BaseUrl).Port;
        await using var proxy = FaultProxy.Start("127.0.0.1", graphPort, DropPlan(13));
        var proxied = $"https://127.0.0.1:{proxy.Port.ToString(CultureInfo.InvariantCulture)}";
        mail.Cli.Environment["DXMIG_GRAPH_BASE_URL"] = proxied + "/v1.0";
        mail.Cli.Environment["DXMIG_GRAPH_AUTHORITY"] = proxied + "/";

        var runs = await RunUntilSuccessAsync(() => mail.RunAsync());

        var (lost, doubled) = LossCount.Graph(mail, Users);

        Report("imap→graph, proxy before the emulator (TLS pinned through it)", proxy, runs, mail.Manifest.Messages.Count(), lost, doubled);
        proxy.FaultsByKind[ProxyFaultKind.Drop].Should().BeGreaterThan(1, "several connections were cut");
        foreach (var user in Users)
        {
            mail.AssertNothingLostOrDoubled(user, mail.Manifest[user].Messages);
        }
    }

    private static FaultPlan DropPlan(int seed) => new()
    {
        Seed = seed,
        DropProbability = 0.9,
        DropMinOffset = 200,
        DropMaxOffset = 400_000,
        MaxDrops = 12,
    };

    private async Task<int> RunUntilSuccessAsync(Func<Task<(int ExitCode, string Output, string Error)>> run)
    {
        for (var runs = 1; runs <= MaxRuns; runs++)
        {
            var (code, output, error) = await run();
            log.WriteLine($"run {runs}: exit {code}");
            if (code == ExitCodes.Success)
            {
                return runs;
            }

            log.WriteLine(Tail(output + error));
        }

        throw new Xunit.Sdk.XunitException($"the job did not exit 0 within {MaxRuns} runs");
    }

    private static string Tail(string text) => text.Length <= 1500 ? text : text[^1500..];

    private void Report(string what, FaultProxy proxy, int runs, int items, int lost, int doubled)
    {
        var line = $"faults: {what} | faults injected {proxy.FaultsInjected} (drops {proxy.FaultsByKind[ProxyFaultKind.Drop]}, stalls {proxy.FaultsByKind[ProxyFaultKind.Stall]}, slow links {proxy.FaultsByKind[ProxyFaultKind.SlowLink]}) | connections {proxy.Connections} | bytes up {proxy.BytesUpstream:N0} down {proxy.BytesDownstream:N0} | runs {runs} | items {items} | lost {lost} | doubled {doubled}";
        foreach (var entry in proxy.Log)
        {
            log.WriteLine(entry);
        }

        log.WriteLine(line);
        System.Console.WriteLine(line);
        ChaosTally.Record(what, proxy.FaultsInjected, kills: 0, runs, items, lost, doubled);
    }
}
