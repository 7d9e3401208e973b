using System.Collections.Concurrent;

namespace Dxmig.Platform.Scheduling;

/// <summary>
/// Japan's public holidays (国民の祝日) and the days off the holiday law adds to them (休日), by rule rather than from a
/// list: fixed days with the years they held, Happy Monday days, 春分の日/秋分の日 by the standard formula, 振替休日 (the
/// next day that is not a holiday after a holiday on Sunday), 国民の休日 (a day between two holidays), and the one-off
/// changes (the 2019 enthronement days, the 2020 and 2021 Olympic moves, 天皇誕生日 moving from 12-23 to 02-23).
/// Names are written as the Cabinet Office's list (内閣府 syukujitsu.csv) writes them: 振替休日 and 国民の休日 are
/// "休日", the two 2019 enthronement days "休日（祝日扱い）".
/// </summary>
/// <remarks>
/// The equinox formula (国立天文台's approximation) holds for <see cref="FirstYear"/>–<see cref="LastYear"/>; the
/// equinox days are fixed officially each February for the next year, so later years are a forecast, and a law change
/// after the Cabinet Office list of 2026-02-02 is not known here. Tested against that list for 2016–2027.
/// </remarks>
public static class JapaneseHolidays
{
    /// <summary>The first year the rules here are complete for.</summary>
    public const int FirstYear = 1980;

    /// <summary>The last year the equinox formula holds for.</summary>
    public const int LastYear = 2099;

    /// <summary>What the Cabinet Office calls a 振替休日 or a 国民の休日.</summary>
    public const string DayOff = "休日";

    /// <summary>What the Cabinet Office calls the two 2019 enthronement days (即位の日, 即位礼正殿の儀の行われる日).</summary>
    public const string TreatedAsHoliday = "休日（祝日扱い）";

    private static readonly ConcurrentDictionary<int, IReadOnlyDictionary<DateOnly, string>> Years = new();

    /// <summary>The holiday's name on <paramref name="day"/>, or null when it is not a holiday (weekends are not holidays here).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The year is outside <see cref="FirstYear"/>–<see cref="LastYear"/>.</exception>
    public static string? NameOf(DateOnly day) => Of(day.Year).TryGetValue(day, out var name) ? name : null;

    /// <summary>Every holiday of the year, in date order.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The year is outside <see cref="FirstYear"/>–<see cref="LastYear"/>.</exception>
    public static IReadOnlyList<(DateOnly Date, string Name)> InYear(int year) =>
        [.. Of(year).OrderBy(p => p.Key).Select(p => (p.Key, p.Value))];

    private static IReadOnlyDictionary<DateOnly, string> Of(int year)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(year, FirstYear);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(year, LastYear);
        return Years.GetOrAdd(year, Compute);
    }

    private static Dictionary<DateOnly, string> Compute(int year)
    {
        var named = new Dictionary<DateOnly, string>();
        void Add(int month, int day, string name) => named.Add(new DateOnly(year, month, day), name);
        void AddMonday(int month, int week, string name) => named.Add(NthMonday(year, month, week), name);

        Add(1, 1, "元日");
        if (year < 2000)
        {
            Add(1, 15, "成人の日");
        }
        else
        {
            AddMonday(1, 2, "成人の日");
        }

        Add(2, 11, "建国記念の日");
        Add(3, VernalEquinox(year), "春分の日");
        Add(4, 29, year switch { <= 1988 => "天皇誕生日", <= 2006 => "みどりの日", _ => "昭和の日" });
        Add(5, 3, "憲法記念日");
        if (year >= 2007)
        {
            Add(5, 4, "みどりの日");
        }

        Add(5, 5, "こどもの日");
        switch (year)
        {
            case >= 1996 and <= 2002:
                Add(7, 20, "海の日");
                break;
            case 2020:
                Add(7, 23, "海の日");
                break;
            case 2021:
                Add(7, 22, "海の日");
                break;
            case >= 2003:
                AddMonday(7, 3, "海の日");
                break;
        }

        switch (year)
        {
            case 2020:
                Add(8, 10, "山の日");
                break;
            case 2021:
                Add(8, 8, "山の日");
                break;
            case >= 2016:
                Add(8, 11, "山の日");
                break;
        }

        if (year <= 2002)
        {
            Add(9, 15, "敬老の日");
        }
        else
        {
            AddMonday(9, 3, "敬老の日");
        }

        Add(9, AutumnalEquinox(year), "秋分の日");
        switch (year)
        {
            case <= 1999:
                Add(10, 10, "体育の日");
                break;
            case <= 2018:
                AddMonday(10, 2, "体育の日");
                break;
            case 2019:
                // The law renaming it took effect in 2020; the Cabinet Office list writes 2019's day this way.
                AddMonday(10, 2, "体育の日（スポーツの日）");
                break;
            case 2020:
                Add(7, 24, "スポーツの日");
                break;
            case 2021:
                Add(7, 23, "スポーツの日");
                break;
            default:
                AddMonday(10, 2, "スポーツの日");
                break;
        }

        Add(11, 3, "文化の日");
        Add(11, 23, "勤労感謝の日");
        if (year is >= 1989 and <= 2018)
        {
            Add(12, 23, "天皇誕生日");
        }
        else if (year >= 2020)
        {
            Add(2, 23, "天皇誕生日");
        }

        // One-off holidays by their own laws.
        switch (year)
        {
            case 1989:
                Add(2, 24, "大喪の礼");
                break;
            case 1990:
                Add(11, 12, "即位礼正殿の儀");
                break;
            case 1993:
                Add(6, 9, "結婚の儀");
                break;
            case 2019:
                Add(5, 1, TreatedAsHoliday);
                Add(10, 22, TreatedAsHoliday);
                break;
        }

        var result = new Dictionary<DateOnly, string>(named);
        AddSubstitutes(named, result);
        AddSandwiched(year, named, result);
        return result;
    }

    /// <summary>
    /// 振替休日: from 2007 the next day that is not a 祝日 after a 祝日 on Sunday (so 2019-05-06 follows 5-3..5-5);
    /// from 1973-04-12 to 2006 only the Monday after.
    /// </summary>
    private static void AddSubstitutes(Dictionary<DateOnly, string> named, Dictionary<DateOnly, string> result)
    {
        foreach (var holiday in named.Keys.Where(d => d.DayOfWeek == DayOfWeek.Sunday))
        {
            var day = holiday.AddDays(1);
            if (holiday.Year >= 2007)
            {
                while (named.ContainsKey(day))
                {
                    day = day.AddDays(1);
                }
            }
            else if (named.ContainsKey(day))
            {
                continue;
            }

            if (day.Year == holiday.Year)
            {
                result.TryAdd(day, DayOff);
            }
        }
    }

    /// <summary>
    /// 国民の休日 (from 1988): a day whose day before and day after are both 祝日 and that is not a 祝日 itself; until
    /// 2006 a Sunday or a 振替休日 was not one.
    /// </summary>
    private static void AddSandwiched(int year, Dictionary<DateOnly, string> named, Dictionary<DateOnly, string> result)
    {
        if (year < 1988)
        {
            return;
        }

        foreach (var before in named.Keys.ToList())
        {
            var day = before.AddDays(1);
            if (day.Year != year || named.ContainsKey(day) || !named.ContainsKey(day.AddDays(1)))
            {
                continue;
            }

            if (year <= 2006 && (day.DayOfWeek == DayOfWeek.Sunday || result.ContainsKey(day)))
            {
                continue;
            }

            result.TryAdd(day, DayOff);
        }
    }

    /// <summary>春分日 in March: INT(20.8431 + 0.242194 × (Y − 1980) − INT((Y − 1980) / 4)), valid 1980–2099.</summary>
    internal static int VernalEquinox(int year) => Equinox(20.8431, year);

    /// <summary>秋分日 in September: the same formula with 23.2488.</summary>
    internal static int AutumnalEquinox(int year) => Equinox(23.2488, year);

    private static int Equinox(double constant, int year) =>
        (int)(constant + (0.242194 * (year - 1980)) - ((year - 1980) / 4));

    private static DateOnly NthMonday(int year, int month, int week)
    {
        var first = new DateOnly(year, month, 1);
        var offset = ((int)DayOfWeek.Monday - (int)first.DayOfWeek + 7) % 7;
        return first.AddDays(offset + (7 * (week - 1)));
    }
}
