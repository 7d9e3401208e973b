using Dxmig.Contracts;
using Dxmig.Contracts.Mappings;
using Dxmig.Contracts.Records;
using Dxmig.Transformers.AddressBook;

namespace Dxmig.Transformers.Tests;

public sealed class AddressBookTransformerTests
{
    private static readonly IdentityMap Identities = IdentityMap.FromPairs([new("tanaka", "kenta.tanaka@pref.example.jp")]);
    private static readonly GaijiMap Gaiji = GaijiMap.FromPairs([new('\uE000', "髙")]);

    [Fact]
    public void Transform_KeepsOriginalsBesideNormalisedForms()
    {
        var entry = Entry() with { Name = "\uE000橋　一郎", Kana = "ﾀｶﾊｼ ｲﾁﾛｳ", Phone1 = "０３（１２３４）５６７８", PostalCode = "〒100-0001", Organization = "㈱みらい" };

        var result = new AddressBookTransformer(Identities, Gaiji).Transform(Item(entry));

        result.Problem.Should().BeNull();
        var contact = result.Targets.Should().ContainSingle().Subject;
        contact.Original.Should().BeSameAs(entry);
        contact.DisplayName.Should().Be("髙橋　一郎");
        contact.KanaNormalized.Should().Be("たかはし いちろう");
        contact.Phone1E164.Should().Be("+81312345678");
        contact.PostalCodeNormalized.Should().Be("100-0001");
        contact.Gaiji.Should().Be("U+E000");
        contact.HasUnmappedGaiji.Should().BeFalse();
        contact.OwnerTarget.Should().Be("kenta.tanaka@pref.example.jp");
    }

    [Fact]
    public void Transform_UnmappedGaiji_IsFlaggedAndKept()
    {
        var result = new AddressBookTransformer(null, GaijiMap.Empty).Transform(Item(Entry() with { Memo = "\uE123" }));

        result.Targets[0].HasUnmappedGaiji.Should().BeTrue();
        result.Targets[0].Original.Memo.Should().Be("\uE123");
        result.Targets[0].OwnerTarget.Should().BeNull();
    }

    [Theory]
    [InlineData("saburo@@example.jp")]
    [InlineData("not an address")]
    [InlineData("a@b@c")]
    public void Transform_MalformedMailAddress_IsQuarantinedWithTheLine(string email)
    {
        var result = new AddressBookTransformer(null, GaijiMap.Empty).Transform(Item(Entry() with { Email = email }));

        result.Targets.Should().BeEmpty();
        result.Problem!.Code.Should().Be("bad-email");
        result.Problem.Message.Should().Contain("行 7").And.Contain(email);
    }

    [Fact]
    public void Transform_AccountMissingFromIdentityMap_FailsTheAccount()
    {
        var act = () => new AddressBookTransformer(Identities, GaijiMap.Empty).Transform(Item(Entry(), account: "stranger"));

        act.Should().Throw<AccountFailedException>().Which.Message.Should().Contain("stranger").And.Contain("ID マップ");
    }

    private static AddressBookEntry Entry() => new() { File = "a.csv", Line = 7, Name = "山田　太郎", Email = "taro@example.jp" };

    private static SourceItem<AddressBookEntry> Item(AddressBookEntry entry, string account = "tanaka") =>
        SourceItem<AddressBookEntry>.Ok(new SourceKey("activemail-addressbook", account, "addressbook", "id", "v"), "hash", 10, "a.csv:7", entry);
}
