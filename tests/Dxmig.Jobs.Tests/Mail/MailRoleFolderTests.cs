using Dxmig.Jobs.Tests.Harness;
using Dxmig.Platform.Pipeline;
using Dxmig.Sandbox;
using Dxmig.TestSupport.Jobs;

namespace Dxmig.Jobs.Tests.Mail;

/// <summary>
/// Role folders go where the target keeps them: a target whose special-use folders have Japanese names (as a Japanese
/// Dovecot or Exchange mailbox has them) receives the sent, draft, trash and junk mail in those folders, and no second
/// Sent/Drafts/Trash/Junk is created; a target with none gets the mapping file's names, created.
/// </summary>
public sealed class MailRoleFolderTests
{
    private static readonly string[] Users = ["tanaka"];

    public static TheoryData<string, string, string, string> JapaneseTargets => new()
    {
        // Dovecot configured in Japanese; a Japanese Exchange Online mailbox (送信済みアイテム, 削除済みアイテム).
        { "送信済み", "下書き", "ごみ箱", "迷惑メール" },
        { "送信済みアイテム", "下書き", "削除済みアイテム", "迷惑メール" },
    };

    [Theory]
    [MemberData(nameof(JapaneseTargets))]
    public async Task Run_TargetWithJapaneseSpecialUseFolders_FillsThemAndCreatesNoSecondSentFolder(string sent, string drafts, string trash, string junk)
    {
        var specialUse = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [sent] = @"\Sent", [drafts] = @"\Drafts", [trash] = @"\Trash", [junk] = @"\Junk",
        };
        await using var mail = await MailRunHarness.StartAsync(
            Users, messages: 40, targetSetup: o => o with { SpecialUseFolders = specialUse, CreateSpecialUseFolders = true });
        var before = await mail.TargetFoldersAsync("tanaka");
        before.Should().Contain([sent, drafts, trash, junk], "the target has its own special-use folders before the run");
        var jobs = new JobLayer(mail.Workspace);

        var run = await jobs.RunAsync(MailRunHarness.Job);

        run.ExitCode.Should().Be(ExitCodes.Success, run.Explain);
        var expected = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["送信済み"] = sent, ["下書き"] = drafts, ["ごみ箱"] = trash, ["迷惑メール"] = junk,
        };
        var source = mail.Manifest["tanaka"].Messages.Select(m => m.ToStored()).ToList();
        source.Select(m => m.Folder).Should().Contain(["送信済み", "下書き", "ごみ箱", "迷惑メール"], "the corpus has mail in every role folder");
        await mail.AssertTargetHoldsAsync("tanaka", source, expected);
        var after = await mail.TargetFoldersAsync("tanaka");
        after.Should().NotContain(["Sent", "Drafts", "Trash", "Junk"], "the mapping file's names are only for a target without such folders");
        run.Reconciliation.Should().NotBeNull();
        ReportSummary.Read(run.Reconciliation!.Folder)["verdicts"]!["complete"]!.GetValue<int>().Should().Be(1, "the reconciliation looks for a role's mail in the target's own folder");

        var again = await jobs.RunAsync(MailRunHarness.Job);
        again.ExitCode.Should().Be(ExitCodes.Success, again.Explain);
        again.Run.Loaded.Should().Be(0, "the no-change pass appends nothing");
        (await mail.TargetFoldersAsync("tanaka")).Should().BeEquivalentTo(after, "the no-change pass creates no folder");
    }

    [Fact]
    public async Task Run_TargetWithoutSpecialUseFolders_CreatesTheMappingFilesNames()
    {
        await using var mail = await MailRunHarness.StartAsync(
            Users, messages: 30, targetSetup: o => o with { SpecialUseFolders = new Dictionary<string, string>() });
        var jobs = new JobLayer(mail.Workspace);

        var run = await jobs.RunAsync(MailRunHarness.Job);

        run.ExitCode.Should().Be(ExitCodes.Success, run.Explain);
        await mail.AssertTargetHoldsAsync("tanaka", mail.Manifest["tanaka"].Messages.Select(m => m.ToStored()));
        (await mail.TargetFoldersAsync("tanaka")).Should().Contain(["Sent", "Drafts", "Trash", "Junk"]).And.NotContain("送信済み");
        ReportSummary.Read(run.Reconciliation!.Folder)["verdicts"]!["complete"]!.GetValue<int>().Should().Be(1, run.Explain);
    }
}
