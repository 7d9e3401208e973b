using Dxmig.Transformers.Text;

namespace Dxmig.Transformers.Tests;

public sealed class JapaneseNormalizerTests
{
    [Theory]
    [InlineData("ﾀｶﾊｼ ｲﾁﾛｳ", "たかはし いちろう")]
    [InlineData("ｶﾞｯｺｳ　ﾀﾛｳ", "がっこう たろう")]
    [InlineData("ヤマダ　　タロウ", "やまだ たろう")]
    [InlineData("  さとう はなこ ", "さとう はなこ")]
    [InlineData("ヴァイオリン", "ゔぁいおりん")]
    [InlineData("コーヒー", "こーひー")]
    public void Kana_IsFullWidthHiraganaWithSingleSpaces(string input, string expected) =>
        JapaneseNormalizer.Kana(input).Should().Be(expected);

    [Theory]
    [InlineData("03-1234-5678", "+81312345678")]
    [InlineData("０３（１２３４）５６７８", "+81312345678")]
    [InlineData("090-1111-2222", "+819011112222")]
    [InlineData("0120-123-456", "+81120123456")]
    [InlineData("+81 3 1234 5678", "+81312345678")]
    [InlineData("03-1234-5678 内線 1234", "+81312345678")]
    [InlineData("03-1234-5678 ext.12", "+81312345678")]
    [InlineData("内線 1234", null)]
    [InlineData("1234", null)]
    [InlineData("010-1-202-555-0100", null)]
    [InlineData("TEL 03-1234-5678", null)]
    [InlineData("", null)]
    public void PhoneE164_JapaneseNumbers(string input, string? expected) =>
        JapaneseNormalizer.PhoneE164(input).Should().Be(expected);

    [Theory]
    [InlineData("〒100-0001", "100-0001")]
    [InlineData("１０００００１", "100-0001")]
    [InlineData("100-00", null)]
    public void PostalCode_IsSevenDigitsWithADash(string input, string? expected) =>
        JapaneseNormalizer.PostalCode(input).Should().Be(expected);

    [Fact]
    public void Email_IsNarrowedTrimmedAndLowerCased() =>
        JapaneseNormalizer.Email(" Taro.Yamada＠Example.JP ").Should().Be("taro.yamada@example.jp");

    [Fact]
    public void Gaiji_ListsPrivateUseCodePoints() =>
        JapaneseNormalizer.Gaiji(["\uE001橋", "普通", "\uE000"]).Should().Be("U+E000 U+E001");
}
