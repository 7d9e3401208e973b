using Dxmig.Contracts;
using Dxmig.Contracts.Mappings;
using Dxmig.Contracts.Records;
using Dxmig.Transformers.Cess;

namespace Dxmig.Transformers.Tests;

public sealed class StaffTransformerTests
{
    private static readonly StaffTransformer Transformer = new(
        IdentityMap.FromPairs([new("A001", "a001@pref.example.jp"), new("b002@pref.example.jp", "b002@pref.example.jp")]),
        DepartmentMap.FromDepartments([new Department("100000", "総務部", null), new Department("101000", "総務課", "100000")]),
        GaijiMap.FromPairs([new('\uE000', "髙")]));

    private static SourceItem<StaffEntry> Item(StaffEntry entry) =>
        SourceItem<StaffEntry>.Ok(new SourceKey("cess-staff", "cess", "staff", entry.EmployeeId, "v"), "hash", 1, $"staff.csv:{entry.Line}", entry);

    private static StaffEntry Entry(string id, string email = "", string department = "１０１０００", string date = "令和5年4月1日") => new()
    {
        File = "staff.csv", Line = 2, EmployeeId = id, Name = "\uE000橋　一郎", Kana = "ﾀｶﾊｼ ｲﾁﾛｳ", DepartmentCode = department,
        Phone = "０３－１２３４－５６７８", Extension = "内線２００１", Email = email, StartDate = date, Title = "主事",
    };

    [Fact]
    public void Transform_Row_NormalisesBesideTheOriginalAndResolvesUserAndDepartment()
    {
        var staff = Transformer.Transform(Item(Entry("A001"))).Targets.Should().ContainSingle().Subject;

        staff.UserPrincipalName.Should().Be("a001@pref.example.jp");
        staff.DepartmentName.Should().Be("総務課");
        staff.DisplayName.Should().Be("髙橋　一郎");
        staff.Original.Name.Should().Be("\uE000橋　一郎");
        staff.KanaNormalized.Should().Be("たかはし いちろう");
        staff.PhoneE164.Should().Be("+81312345678");
        staff.ExtensionNormalized.Should().Be("2001");
        staff.StartDate.Should().Be(new DateOnly(2023, 4, 1));
        staff.Gaiji.Should().Be("U+E000");
    }

    [Fact]
    public void Transform_MatchesByMailWhenTheIdIsNotMapped()
    {
        Transformer.Transform(Item(Entry("B002", email: "B002@pref.example.jp"))).Targets.Single().UserPrincipalName.Should().Be("b002@pref.example.jp");
    }

    [Theory]
    [InlineData("Z999", "101000", "令和5年4月1日", "not-in-identity-map")]
    [InlineData("A001", "999999", "令和5年4月1日", "unknown-department")]
    [InlineData("A001", "101000", "令和1年4月1日", "bad-date")]
    public void Transform_UnmappedPersonUnknownDepartmentOrBadDate_QuarantinesWithTheReason(string id, string department, string date, string code)
    {
        var result = Transformer.Transform(Item(Entry(id, department: department, date: date)));

        result.Targets.Should().BeEmpty();
        result.Problem!.Code.Should().Be(code);
        result.Problem.Kind.Should().Be(ProblemKind.Quarantine);
        result.Problem.Message.Should().Contain("行 2");
    }
}
