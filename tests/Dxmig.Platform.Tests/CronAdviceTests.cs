using Dxmig.Platform.JobFiles;

namespace Dxmig.Platform.Tests;

/// <summary>A cron the scheduler refuses is explained in the job file's words, never with the library's C# advice.</summary>
public sealed class CronAdviceTests
{
    [Theory]
    [InlineData("30 1 * * *", "0 30 1 * * ?")]
    [InlineData("0 20 * * 1-5", "0 0 20 ? * MON-FRI")]
    [InlineData("15 22 * * 0,6", "0 15 22 ? * SUN,SAT")]
    [InlineData("0 3 1 * *", "0 0 3 1 * ?")]
    public void Explain_UnixFiveFields_GivesTheSixFieldFormToWrite(string unix, string quartz)
    {
        CronAdvice.IsValid(unix).Should().BeFalse();
        CronAdvice.IsValid(quartz).Should().BeTrue("the suggestion must itself be accepted");

        var (japanese, english) = CronAdvice.Explain(unix);

        japanese.Should().Be($"cron は 6 項目 (秒 分 時 日 月 曜日) で書きます。'{quartz}' のように先頭に秒を足してください (曜日は SUN-SAT の名前で)");
        english.Should().Be($"cron has 6 fields (second minute hour day month weekday): add the seconds first, as in '{quartz}' (weekdays by name, SUN-SAT)");
    }

    [Theory]
    [InlineData("0 61 1 * * ?", "2 番目の項目 '61' (分 (0-59))", "field 2 '61' (minute (0-59))")]
    [InlineData("0 0 25 ? * MON", "3 番目の項目 '25' (時 (0-23))", "field 3 '25' (hour (0-23))")]
    [InlineData("0 0 20 ? * FUNDAY", "6 番目の項目 'FUNDAY'", "field 6 'FUNDAY' (weekday")]
    [InlineData("0 0 20 1 * MON", "日と曜日は同時に指定できません", "the day and the weekday cannot both be given")]
    [InlineData("daily", "項目が 1 個です", "it has 1 field(s)")]
    public void Explain_OtherMistakes_NameTheFieldInPlainWords(string cron, string japanese, string english)
    {
        var explained = CronAdvice.Explain(cron);

        explained.Japanese.Should().Contain(japanese);
        explained.English.Should().Contain(english);
        (explained.Japanese + explained.English).Should().NotContain("CronExpression").And.NotContain("Quartz").And.NotContain("Illegal");
    }
}
