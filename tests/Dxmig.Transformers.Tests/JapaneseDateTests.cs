using Dxmig.Transformers.Text;

namespace Dxmig.Transformers.Tests;

public sealed class JapaneseDateTests
{
    [Theory]
    [InlineData("令和5年4月1日", "2023-04-01")]
    [InlineData("令和元年5月1日", "2019-05-01")]
    [InlineData("平成31年4月30日", "2019-04-30")]
    [InlineData("R5.4.1", "2023-04-01")]
    [InlineData("H31/4/30", "2019-04-30")]
    [InlineData("昭和64年1月7日", "1989-01-07")]
    [InlineData("2023/04/01", "2023-04-01")]
    [InlineData("２０２３／０４／０１", "2023-04-01")]
    [InlineData("2023-4-1", "2023-04-01")]
    [InlineData("2023年4月1日", "2023-04-01")]
    public void TryParse_AcceptedForms_GiveTheDate(string text, string expected)
    {
        JapaneseDate.TryParse(text, out var date).Should().BeTrue();
        date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture).Should().Be(expected);
    }

    [Theory]
    [InlineData("令和1年4月1日")]
    [InlineData("平成32年1月1日")]
    [InlineData("2023/02/30")]
    [InlineData("来年度")]
    [InlineData("")]
    public void TryParse_DatesOutsideTheirEraOrImpossible_AreRefused(string text) =>
        JapaneseDate.TryParse(text, out _).Should().BeFalse();
}
