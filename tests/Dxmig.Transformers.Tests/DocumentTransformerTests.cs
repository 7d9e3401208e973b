using Dxmig.Contracts;
using Dxmig.Contracts.Mappings;
using Dxmig.Contracts.Records;
using Dxmig.Transformers.Cess;

namespace Dxmig.Transformers.Tests;

public sealed class DocumentTransformerTests
{
    private static readonly DocumentTransformer Transformer = new(
        IdentityMap.FromPairs([new("D00001", "d00001@pref.example.jp")]), SharePointNames.Default, "CESS文書");

    private static SourceItem<DocumentEntry> Item(string owner = "Ｄ００００１", string created = "令和5年4月1日 9:30", string modified = "2024/03/31 18:00:00", string path = "総務課/a:b.txt") =>
        SourceItem<DocumentEntry>.Ok(
            new SourceKey("cess-documents", "cess", "documents", path, "v"), "hash", 10, "documents.csv:2",
            new DocumentEntry
            {
                RelativePath = path, FullPath = "/x", MetadataFile = "documents.csv", Line = 2, Owner = owner, Created = created, Modified = modified,
                FileModified = new DateTimeOffset(2020, 1, 2, 3, 4, 5, TimeSpan.Zero),
            });

    [Fact]
    public void Transform_Row_GivesOwnerUpn_UtcTimesFromJapanTime_AndTheRenamedPath()
    {
        var doc = Transformer.Transform(Item()).Targets.Should().ContainSingle().Subject;

        doc.OwnerUpn.Should().Be("d00001@pref.example.jp");
        doc.OwnerEmployeeId.Should().Be("D00001");
        doc.CreatedUtc.Should().Be(new DateTime(2023, 4, 1, 0, 30, 0));
        doc.ModifiedUtc.Should().Be(new DateTime(2024, 3, 31, 9, 0, 0));
        doc.TargetPath.Should().Be("総務課/a：b.txt");
        doc.RenameNote.Should().Be("a:b.txt → a：b.txt (invalid-character)");
    }

    [Theory]
    [InlineData("2023-04-01T10:15:00+09:00", "2023-04-01T01:15:00")]
    [InlineData("2023-04-01T01:15:00Z", "2023-04-01T01:15:00")]
    [InlineData("2023/4/1", "2023-03-31T15:00:00")]
    [InlineData("", "2020-01-02T03:04:05")]
    public void Transform_ModifiedForms_AreRead(string modified, string expectedUtc)
    {
        var doc = Transformer.Transform(Item(modified: modified, created: "")).Targets[0];

        doc.ModifiedUtc.Should().Be(DateTime.Parse(expectedUtc, System.Globalization.CultureInfo.InvariantCulture));
        doc.CreatedUtc.Should().Be(doc.ModifiedUtc, "no created time: the modified time");
    }

    [Theory]
    [InlineData("X999999", "令和5年4月1日", "unknown-owner")]
    [InlineData(" ", "令和5年4月1日", "missing-owner")]
    [InlineData("D00001", "2023/02/30 10:00", "bad-date")]
    [InlineData("D00001", "令和1年4月1日", "bad-date")]
    [InlineData("D00001", "2023/04/01 25:00", "bad-date")]
    public void Transform_BadRows_AreQuarantinedWithTheReason(string owner, string created, string code)
    {
        var result = Transformer.Transform(Item(owner: owner, created: created));

        result.Targets.Should().BeEmpty();
        result.Problem!.Code.Should().Be(code);
        result.Problem.Message.Should().Contain("documents.csv:2");
    }
}
