using System.Globalization;
using Dxmig.Platform.Scheduling;
using Dxmig.TestSupport;

namespace Dxmig.Platform.Tests.Scheduling;

public class JapaneseHolidaysTests
{
    private static readonly Lazy<Dictionary<DateOnly, string>> Oracle = new(ReadOracle);

    /// <summary>The project's shared copy of the list, beside the checkout (absent on a bare CI clone).</summary>
    private static string SharedOracle => Path.Combine(RepoPaths.Shared, "data", "jp-holidays-2016-2027.txt");

    /// <summary>The repository's copy of the same list, so a fresh clone tests against it too.</summary>
    private static string RepoOracle => Path.Combine(RepoPaths.Root, "tests", "Dxmig.Platform.Tests", "Scheduling", "Data", "jp-holidays-2016-2027.txt");

    /// <summary>The Cabinet Office list (内閣府 syukujitsu.csv) for 2016–2027, `YYYY-MM-DD name` a line.</summary>
    private static Dictionary<DateOnly, string> ReadOracle()
    {
        var path = File.Exists(SharedOracle) ? SharedOracle : RepoOracle;
        File.Exists(path).Should().BeTrue($"the Cabinet Office list is expected at {SharedOracle} or {RepoOracle}");
        var result = new Dictionary<DateOnly, string>();
        foreach (var line in File.ReadLines(path).Where(l => l.Trim().Length > 0))
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            result.Add(DateOnly.ParseExact(line[..space], "yyyy-MM-dd", CultureInfo.InvariantCulture), line[(space + 1)..].Trim());
        }

        return result;
    }

    [Fact]
    public void The_repository_copy_of_the_list_is_the_shared_one()
    {
        File.Exists(RepoOracle).Should().BeTrue();
        if (File.Exists(SharedOracle))
        {
            File.ReadAllText(RepoOracle).Should().Be(File.ReadAllText(SharedOracle), "the copy in the repository must not drift from ../shared");
        }
    }

    public static TheoryData<int> OracleYears() => [.. Enumerable.Range(2016, 12)];

    [Theory]
    [MemberData(nameof(OracleYears))]
    public void EveryListedDate_IsAHolidayWithTheCabinetOfficeName(int year)
    {
        var listed = Oracle.Value.Where(p => p.Key.Year == year).ToList();
        listed.Should().NotBeEmpty();
        foreach (var (date, name) in listed)
        {
            JapaneseHolidays.NameOf(date).Should().Be(name, $"{date:yyyy-MM-dd} is {name} in the Cabinet Office list");
        }
    }

    [Theory]
    [MemberData(nameof(OracleYears))]
    public void NoOtherDateOfTheYear_IsAHoliday(int year)
    {
        // The list published on 2026-02-02 ends with 2027-11-23; 2027's December has no holiday (天皇誕生日 is 02-23).
        var extra = new List<string>();
        for (var day = new DateOnly(year, 1, 1); day.Year == year; day = day.AddDays(1))
        {
            if (JapaneseHolidays.NameOf(day) is { } name && !Oracle.Value.ContainsKey(day))
            {
                extra.Add($"{day:yyyy-MM-dd} {name}");
            }
        }

        extra.Should().BeEmpty();
        JapaneseHolidays.InYear(year).Select(h => h.Date).Should().BeEquivalentTo(Oracle.Value.Keys.Where(d => d.Year == year));
    }

    [Theory]
    [InlineData("2019-04-30", "休日")]            // 国民の休日 between 昭和の日 and the enthronement day
    [InlineData("2019-05-01", "休日（祝日扱い）")]  // 即位の日
    [InlineData("2019-10-22", "休日（祝日扱い）")]  // 即位礼正殿の儀
    [InlineData("2019-05-06", "休日")]            // 振替休日 for こどもの日 on Sunday, after two holidays
    [InlineData("2026-09-22", "休日")]            // 国民の休日 between 敬老の日 and 秋分の日
    [InlineData("2020-07-24", "スポーツの日")]
    [InlineData("2021-08-08", "山の日")]
    [InlineData("2021-08-09", "休日")]
    [InlineData("2009-09-22", "休日")]            // the first silver-week sandwiched day after the 2007 law
    [InlineData("2018-12-23", "天皇誕生日")]
    [InlineData("1999-01-15", "成人の日")]
    [InlineData("1989-02-24", "大喪の礼")]
    [InlineData("2006-04-29", "みどりの日")]
    public void RulesOutsideTheListedYearsAndOneOffs_HaveTheirNames(string date, string name) =>
        JapaneseHolidays.NameOf(DateOnly.Parse(date, CultureInfo.InvariantCulture)).Should().Be(name);

    [Theory]
    [InlineData("2019-12-23")]  // no 天皇誕生日 in 2019
    [InlineData("2019-02-23")]
    [InlineData("2020-10-12")]  // スポーツの日 moved to 07-24 that year
    [InlineData("2021-08-11")]  // 山の日 moved to 08-08
    [InlineData("2015-08-11")]  // 山の日 starts in 2016
    public void MovedOrAbsentDays_AreNotHolidays(string date) =>
        JapaneseHolidays.NameOf(DateOnly.Parse(date, CultureInfo.InvariantCulture)).Should().BeNull();

    [Fact]
    public void YearsOutsideTheFormula_AreRefused()
    {
        var act = () => JapaneseHolidays.NameOf(new DateOnly(2100, 3, 20));
        act.Should().Throw<ArgumentOutOfRangeException>();
    }
}
