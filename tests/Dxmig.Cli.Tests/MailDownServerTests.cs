using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Dxmig.Contracts;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Pipeline;
using Dxmig.Platform.Storage;
using Dxmig.Sandbox;
using Dxmig.TestSupport.Jobs;
using Microsoft.EntityFrameworkCore;
using Xunit.Abstractions;

namespace Dxmig.Cli.Tests;

/// <summary>
/// A mail job of 200 mailboxes whose server is down (closes every connection, refuses it, has an untrusted
/// certificate, refuses the admin password): <c>run</c>, <c>plan</c> and <c>reconcile</c> stop after the first
/// accounts, say so once in plain words naming the server, exit 2 within seconds, leave every account for the next run
/// (which, with the server back, moves everything).
/// </summary>
public sealed class MailDownServerTests(ITestOutputHelper log)
{
    private const int AccountCount = 200;

    /// <summary>Far below one try per account (200 × 6 tries without the circuit).</summary>
    private const int FewConnections = 60;

    private static readonly TimeSpan Seconds = TimeSpan.FromSeconds(20);
    private static readonly string[] Real = ["tanaka", "suzuki", "sato"];

    /// <summary>The three filled mailboxes first, then empty ones, on both servers.</summary>
    private static readonly string[] Accounts = [.. Real, .. Enumerable.Range(0, AccountCount - Real.Length).Select(i => $"u{i:000}")];

    private static DovecotOptions EveryAccount(DovecotOptions options) => options with { Users = Accounts.ToDictionary(u => u, u => $"{u}-pass") };

    private static async Task<MailRunHarness> StartAsync(int messages = 10, Func<DovecotOptions, DovecotOptions>? source = null)
    {
        var mail = await MailRunHarness.StartAsync(Real, messages, targetSetup: EveryAccount, sourceSetup: o => (source ?? (x => x))(EveryAccount(o)));
        mail.Cli.Environment["DXMIG_ACCOUNTS"] = mail.Cli.Write("accounts-200.csv", "source,target\n" + string.Concat(Accounts.Select(a => $"{a},{a}\n")));
        return mail;
    }

    [Fact]
    public async Task Run_SourceClosesEveryConnection_StopsAfterTheFirstAccounts_ExitsTwoInSeconds_AndTheNextRunMovesEverything()
    {
        await using var mail = await StartAsync();
        await using var gate = ImapGate.Start(mail.Source.Host, mail.Source.Port, up: false);
        UseSourcePort(mail, gate.Port);

        var watch = Stopwatch.StartNew();
        var (code, output, error) = await mail.RunAsync();
        watch.Stop();
        var text = output + error;
        log.WriteLine($"down: exit {code} in {watch.Elapsed.TotalSeconds:0.0} s, {gate.Accepted} connections\n{text}");

        code.Should().Be(ExitCodes.Failed, text);
        watch.Elapsed.Should().BeLessThan(Seconds, "the rest of the 200 accounts are not tried");
        gate.Accepted.Should().BeLessThan(FewConnections, "only the first accounts knock (without the circuit: 6 tries for each of 200)");
        AssertSaidOnce(text, EndpointSide.Source, EndpointFailureKind.ClosedOnConnect, gate.Port);
        (await mail.Workspace.LedgerItemsAsync()).Should().BeEmpty("nothing was read: nothing is marked done, skipped or quarantined");
        var accounts = await LastRunAccountsAsync(mail);
        accounts.Should().HaveCount(AccountCount);
        accounts.Should().NotContain(a => a.Outcome == RunOutcome.Succeeded);
        accounts.Count(a => a.Outcome == RunOutcome.Stopped).Should().BeGreaterThan(AccountCount - 10, "the accounts after the first few were not tried");

        // The server is back: the next run carries every account.
        gate.Up = true;
        var (again, output2, error2) = await mail.RunAsync();
        again.Should().Be(ExitCodes.Success, output2 + error2);
        foreach (var user in Real)
        {
            await mail.AssertTargetHoldsAsync(user, mail.Manifest[user].Messages.Select(m => m.ToStored()));
        }

        (await LastRunAccountsAsync(mail)).Should().OnlyContain(a => a.Outcome == RunOutcome.Succeeded);
    }

    [Fact]
    public async Task Run_SourceDiesMidRun_StopsAfterAFewFailuresInARow_AndTheNextRunFinishesWithNothingLostOrDoubled()
    {
        await using var mail = await StartAsync(messages: 150);
        await using var gate = ImapGate.Start(mail.Source.Host, mail.Source.Port, up: true);
        UseSourcePort(mail, gate.Port);

        var running = mail.RunAsync();
        await mail.Workspace.WaitForLoadedAsync(20, process: null);
        gate.Up = false;
        var atDeath = gate.Accepted;
        var watch = Stopwatch.StartNew();
        var (code, output, error) = await running;
        watch.Stop();
        var text = output + error;
        log.WriteLine($"died mid-run: exit {code}, {watch.Elapsed.TotalSeconds:0.0} s after, {gate.Accepted - atDeath} connections after\n{text}");

        code.Should().Be(ExitCodes.Failed, text);
        watch.Elapsed.Should().BeLessThan(Seconds);
        (gate.Accepted - atDeath).Should().BeLessThan(FewConnections, "after a few failures in a row the remaining accounts are not tried");
        AssertSaidOnce(text, EndpointSide.Source, EndpointFailureKind.ClosedOnConnect, gate.Port);
        var accounts = await LastRunAccountsAsync(mail);
        accounts.Count(a => a.Outcome == RunOutcome.Stopped).Should().BeGreaterThan(AccountCount / 2);
        (await mail.Workspace.LedgerItemsAsync()).Should().NotContain(i => i.State == ItemState.Quarantined, "a dead server quarantines nothing");

        gate.Up = true;
        var (again, output2, error2) = await mail.RunAsync();
        again.Should().Be(ExitCodes.Success, output2 + error2);
        foreach (var user in Real)
        {
            await mail.AssertTargetHoldsAsync(user, mail.Manifest[user].Messages.Select(m => m.ToStored()));
        }
    }

    [Fact]
    public async Task Run_SourceRefusesConnections_OneLineNamingTheServer_NoReconciliation_NotBalanced()
    {
        await using var mail = await StartAsync();
        var port = ClosedPort();
        UseSourcePort(mail, port);

        var watch = Stopwatch.StartNew();
        var (code, output, error) = await mail.RunAsync();
        watch.Stop();
        var text = output + error;
        log.WriteLine($"refused: exit {code} in {watch.Elapsed.TotalSeconds:0.0} s\n{text}");

        code.Should().Be(ExitCodes.Failed, text);
        watch.Elapsed.Should().BeLessThan(Seconds);
        AssertSaidOnce(text, EndpointSide.Source, EndpointFailureKind.Refused, port);
        Flat(text).Should().Contain("移行元 IMAP 127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture) + " に接続できません (接続拒否)")
            .And.Contain("cannot connect to the source IMAP 127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture) + " (connection refused)");
        (await mail.Workspace.LedgerItemsAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task Run_SourceCertificateNotTrusted_StopsAtOnce()
    {
        await using var mail = await StartAsync(source: o => o with { Tls = true });
        UseSourcePort(mail, mail.Source.TlsPort);
        mail.Cli.Environment["DXMIG_SRC_SECURITY"] = "tls";

        var watch = Stopwatch.StartNew();
        var (code, output, error) = await mail.RunAsync();
        watch.Stop();
        var text = output + error;
        log.WriteLine($"tls: exit {code} in {watch.Elapsed.TotalSeconds:0.0} s\n{text}");

        code.Should().Be(ExitCodes.Failed, text);
        watch.Elapsed.Should().BeLessThan(Seconds);
        AssertSaidOnce(text, EndpointSide.Source, EndpointFailureKind.Certificate, mail.Source.TlsPort);
        Flat(text).Should().Contain("certificate-sha256");
    }

    [Fact]
    public async Task Run_AdminPasswordRefused_StopsAfterTheFirstAccounts()
    {
        await using var mail = await StartAsync();
        mail.Cli.Environment["DXMIG_SRC_ADMIN_PASSWORD"] = "not-the-password";

        var watch = Stopwatch.StartNew();
        var (code, output, error) = await mail.RunAsync();
        watch.Stop();
        var text = output + error;
        log.WriteLine($"admin refused: exit {code} in {watch.Elapsed.TotalSeconds:0.0} s\n{text}");

        code.Should().Be(ExitCodes.Failed, text);
        watch.Elapsed.Should().BeLessThan(Seconds);
        AssertSaidOnce(text, EndpointSide.Source, EndpointFailureKind.AdminLoginRefused, mail.Source.Port, verb: "にログインできません");
        (await LastRunAccountsAsync(mail)).Count(a => a.Outcome == RunOutcome.Failed).Should().BeLessThan(10, "only the first accounts tried the password");
    }

    [Fact]
    public async Task Run_GraphTargetDown_OneLineNamingTheServer_NoReconciliation_ExitTwo()
    {
        string[] users = [.. Enumerable.Range(0, 12).Select(i => $"g{i:00}")];
        await using var mail = await MailGraphHarness.StartAsync(users, messages: 3);
        var port = ClosedPort().ToString(CultureInfo.InvariantCulture);
        mail.Cli.Environment["DXMIG_GRAPH_BASE_URL"] = $"https://127.0.0.1:{port}/v1.0";
        mail.Cli.Environment["DXMIG_GRAPH_AUTHORITY"] = $"https://127.0.0.1:{port}/";

        var watch = Stopwatch.StartNew();
        var (code, output, error) = await mail.RunAsync();
        watch.Stop();
        var text = output + error;
        log.WriteLine($"graph down: exit {code} in {watch.Elapsed.TotalSeconds:0.0} s\n{text}");

        code.Should().Be(ExitCodes.Failed, text);
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(60));
        var flat = Flat(text);
        Regex.Matches(flat, $@"移行先 Microsoft (Entra ID|Graph) 127\.0\.0\.1:{port} に接続できません \(接続拒否\)").Should().HaveCount(1, text);
        flat.Should().Contain("the after-run reconciliation was skipped").And.NotContain("balanced").And.NotContain("一致 /");
        var accounts = await LastRunAccountsAsync(mail.Workspace);
        accounts.Should().NotContain(a => a.Outcome == RunOutcome.Succeeded);
        accounts.Count(a => a.Outcome == RunOutcome.Stopped).Should().BeGreaterThan(0, "the accounts after the first few were not tried");
        (await mail.Workspace.LedgerItemsAsync()).Should().NotContain(i => i.State == ItemState.Loaded || i.State == ItemState.Quarantined);
    }

    [Fact]
    public async Task Plan_SourceDown_SaysSoAndPrintsNoEstimate()
    {
        await using var mail = await StartAsync();
        var port = ClosedPort();
        UseSourcePort(mail, port);
        mail.Cli.Environment["DXMIG_REPO"] = mail.Cli.Folder;

        var watch = Stopwatch.StartNew();
        var (code, output, error) = await mail.Cli.RunAsync("plan", MailRunHarness.Job);
        watch.Stop();
        var text = output + error;
        log.WriteLine(text);

        code.Should().Be(ExitCodes.Failed, text);
        watch.Elapsed.Should().BeLessThan(Seconds);
        AssertSaidOnce(text, EndpointSide.Source, EndpointFailureKind.Refused, port);
        text.Should().NotContain("windows needed").And.NotContain("total:").And.NotContain("アカウント / account", "no estimate table of zeros");
    }

    [Fact]
    public async Task Plan_SomeAccountsUnread_SaysPartialBeforeTheEstimate()
    {
        await using var mail = await MailRunHarness.StartAsync(Real, messages: 10);
        mail.Cli.Environment["DXMIG_ACCOUNTS"] = mail.Cli.Write("accounts-ghost.csv", "source,target\ntanaka,tanaka\nsuzuki,suzuki\nghost,ghost\nsato,sato\n");
        mail.Cli.Environment["DXMIG_REPO"] = mail.Cli.Folder;

        var (code, output, error) = await mail.Cli.RunAsync("plan", MailRunHarness.Job);
        log.WriteLine(output + error);

        code.Should().Be(ExitCodes.Failed, output + error);
        var partial = output.IndexOf("partial estimate: 1 of 4 account(s) could not be read", StringComparison.Ordinal);
        partial.Should().BeGreaterThanOrEqualTo(0, output);
        partial.Should().BeLessThan(output.IndexOf("windows needed", StringComparison.Ordinal), "the estimate is marked partial before it is shown");
    }

    [Fact]
    public async Task Reconcile_SourceDown_OneLineExitTwoInSeconds()
    {
        await using var mail = await StartAsync();
        var port = ClosedPort();
        UseSourcePort(mail, port);

        var watch = Stopwatch.StartNew();
        var (code, output, error) = await mail.Cli.RunAsync("reconcile", MailRunHarness.Job);
        watch.Stop();
        var text = output + error;
        log.WriteLine($"reconcile: exit {code} in {watch.Elapsed.TotalSeconds:0.0} s\n{text}");

        code.Should().Be(ExitCodes.Failed, text);
        watch.Elapsed.Should().BeLessThan(Seconds);
        AssertSaidOnce(text, EndpointSide.Source, EndpointFailureKind.Refused, port);
        text.Should().NotContain("incomplete", "no report of 200 accounts never read");
    }

    private static void UseSourcePort(MailRunHarness mail, int port) =>
        mail.Cli.Environment["DXMIG_SRC_PORT"] = port.ToString(CultureInfo.InvariantCulture);

    /// <summary>A loopback port nothing listens on (taken, then let go): connections to it are refused.</summary>
    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>The output with the terminal's line breaks and padding folded to single spaces.</summary>
    private static string Flat(string text) => Regex.Replace(text, @"\s+", " ");

    /// <summary>The one plain message (<see cref="EndpointFailure.Describe"/>) is there exactly once; nothing says "balanced".</summary>
    private static void AssertSaidOnce(string text, EndpointSide side, EndpointFailureKind kind, int port, string verb = "に接続できません")
    {
        var endpoint = "127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture);
        var message = EndpointFailure.Describe(side, new EndpointFault(kind, "IMAP", endpoint));
        var head = $"{(side == EndpointSide.Source ? "移行元" : "移行先")} IMAP {endpoint} {verb}";
        message.Should().StartWith(head);
        Regex.Matches(text, Regex.Escape(head)).Should().HaveCount(1, $"the server is named once:\n{text}");
        var (reasonJa, reasonEn) = EndpointFailure.Reason(kind);
        var flat = Flat(text);
        flat.Should().Contain($"{head} ({reasonJa})").And.Contain($"({reasonEn})");
        flat.Should().NotContain("balanced").And.NotContain("一致 /");
    }

    private static Task<List<LedgerRunAccount>> LastRunAccountsAsync(MailRunHarness mail) => LastRunAccountsAsync(mail.Workspace);

    private static async Task<List<LedgerRunAccount>> LastRunAccountsAsync(JobWorkspace workspace)
    {
        await using var db = new LedgerDbContext(StoreContextFactory.CreateOptions<LedgerDbContext>(StoreLocation.Parse(workspace.Ledger, "/")));
        var last = await db.Runs.OrderByDescending(r => r.StartedUtc).Select(r => r.RunId).FirstAsync();
        return await db.RunAccounts.Where(a => a.RunId == last).ToListAsync();
    }
}
