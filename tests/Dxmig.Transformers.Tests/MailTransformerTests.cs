using Dxmig.Contracts;
using Dxmig.Platform.JobFiles;
using Dxmig.Contracts.Mappings;
using Dxmig.Contracts.Records;
using Dxmig.TestSupport;
using Dxmig.Transformers.Mail;

namespace Dxmig.Transformers.Tests;

public sealed class MailTransformerTests
{
    private static readonly IdentityMap Identities = IdentityMap.FromPairs([new("tanaka", "kenta.tanaka@pref.example.jp")]);

    [Theory]
    [InlineData(new[] { "送信済み" }, MailFolderRole.None, new[] { "Sent" }, MailFolderRole.Sent)]
    [InlineData(new[] { "INBOX", "下書き" }, MailFolderRole.None, new[] { "Drafts" }, MailFolderRole.Drafts)]
    [InlineData(new[] { "ごみ箱" }, MailFolderRole.None, new[] { "Trash" }, MailFolderRole.Trash)]
    [InlineData(new[] { "迷惑メール" }, MailFolderRole.None, new[] { "Junk" }, MailFolderRole.Junk)]
    [InlineData(new[] { "Whatever" }, MailFolderRole.Sent, new[] { "Sent" }, MailFolderRole.Sent)]
    [InlineData(new[] { "INBOX" }, MailFolderRole.Inbox, new[] { "INBOX" }, MailFolderRole.Inbox)]
    [InlineData(new[] { "2024年度", "会議資料" }, MailFolderRole.None, new[] { "2024年度", "会議資料" }, MailFolderRole.None)]
    [InlineData(new[] { "a.b.c" }, MailFolderRole.None, new[] { "a.b.c" }, MailFolderRole.None)]
    public void Route_RolesAndJapaneseNames(string[] source, MailFolderRole sourceRole, string[] expected, MailFolderRole role)
    {
        var transformer = new MailTransformer(FolderMap.Default, null, new MailTransformerOptions());

        var (path, actualRole, note) = transformer.Route(Message(source, sourceRole));

        path.Should().Equal(expected);
        actualRole.Should().Be(role);
        note.Should().BeNull();
    }

    [Fact]
    public void Route_RefusedCharactersAndEmbeddedSlash_AreReplacedAndNoted()
    {
        var transformer = new MailTransformer(FolderMap.Default, null, new MailTransformerOptions());

        var (path, _, note) = transformer.Route(Message(["見積*2024", "A/B 案 "], MailFolderRole.None));

        path.Should().Equal("見積_2024", "A_B 案");
        note.Should().Contain("rule:refused-characters").And.Contain("'見積*2024' → '見積_2024'");
    }

    [Fact]
    public void Transform_KeepsBytesFlagsKeywordsAndDate_AndTakesTheTargetFromTheIdentityMap()
    {
        using var content = MessageContent.FromBytes("Subject: x\r\n\r\nbody"u8.ToArray());
        var message = Message(["INBOX"], MailFolderRole.Inbox) with
        {
            Flags = ["\\Seen", "\\Answered"],
            Keywords = ["$Label1", "$MDNSent", "NonJunk"],
            InternalDate = DateTimeOffset.Parse("2021-04-01T09:30:00+09:00", System.Globalization.CultureInfo.InvariantCulture),
            Content = content,
            BodySha256 = content.Sha256,
        };

        var result = new MailTransformer(FolderMap.Default, Identities, new MailTransformerOptions()).Transform(Item(message));

        var target = result.Targets.Should().ContainSingle().Subject;
        target.TargetAccount.Should().Be("kenta.tanaka@pref.example.jp");
        target.Content.Should().BeSameAs(content);
        target.Flags.Should().Equal("\\Seen", "\\Answered");
        target.Keywords.Should().Equal("$Label1", "$MDNSent", "NonJunk");
        target.InternalDate.Should().Be(message.InternalDate);
    }

    [Fact]
    public void Transform_OverTheTargetLimit_IsQuarantined()
    {
        var result = new MailTransformer(FolderMap.Default, null, new MailTransformerOptions { MaxTargetMessageSize = 1000 })
            .Transform(Item(Message(["INBOX"], MailFolderRole.Inbox) with { Size = 5000 }));

        result.Problem!.Code.Should().Be("too-large-for-target");
        result.Problem.Message.Should().Contain("5,000").And.Contain("1,000");
    }

    [Fact]
    public void Transform_AccountNotInIdentityMap_FailsTheAccount()
    {
        var act = () => new MailTransformer(FolderMap.Default, Identities, new MailTransformerOptions()).Transform(Item(Message(["INBOX"], MailFolderRole.Inbox), "stranger"));

        act.Should().Throw<AccountFailedException>().Which.Message.Should().Contain("stranger");
    }

    [Fact]
    public void FolderMap_Load_ReadsRolesTargetsAndRenames_AndReportsBadLines()
    {
        using var temp = new TempFolder();
        var good = temp.Write("good.yaml", "roles:\n  送信控え: sent\ntargets:\n  sent: 送信済みアイテム\nrenames:\n  - match: \"^旧/(.*)$\"\n    replace: \"アーカイブ/$1\"\n");
        var bad = temp.Write("bad.yaml", "roles:\n  送信控え: outbox\nrenames:\n  - match: \"([\"\n    replace: x\nextra: 1\n");
        var diagnostics = new DiagnosticBag();

        var map = FolderMap.Load(good, diagnostics)!;
        var transformer = new MailTransformer(map, null, new MailTransformerOptions());

        transformer.Route(Message(["送信控え"], MailFolderRole.None)).Path.Should().Equal("送信済みアイテム");
        transformer.Route(Message(["旧", "2019"], MailFolderRole.None)).Path.Should().Equal("アーカイブ", "2019");
        FolderMap.Load(bad, diagnostics).Should().BeNull();
        diagnostics.Render().Should().Contain("bad.yaml:2:").And.Contain("bad.yaml:4:").And.Contain("bad.yaml:6:1");
    }

    private static SourceMessage Message(string[] path, MailFolderRole role) => new()
    {
        Folder = string.Join('/', path),
        FolderPath = path,
        Role = role,
        UidValidity = 1,
        Uid = 1,
        BodySha256 = new string('0', 64),
    };

    private static SourceItem<SourceMessage> Item(SourceMessage message, string account = "tanaka") =>
        SourceItem<SourceMessage>.Ok(new SourceKey("imap", account, message.Folder, "1:1", "1"), "h", message.Size, "INBOX UID 1", message);
}
