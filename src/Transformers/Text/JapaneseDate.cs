using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Dxmig.Transformers.Text;

/// <summary>
/// Dates as Japanese exports write them: era dates (令和5年4月1日, 平成31年4月30日, 令和元年5月1日, R5.4.1, H31/4/30)
/// and Gregorian ones (2023/04/01, 2023-4-1, 2023年4月1日); full-width digits accepted. A date outside its era (平成32年)
/// or that does not exist (2月30日) has no value.
/// </summary>
public static partial class JapaneseDate
{
    private static readonly (string Name, char Letter, DateOnly Start, DateOnly End)[] Eras =
    [
        ("明治", 'M', new(1868, 1, 25), new(1912, 7, 29)),
        ("大正", 'T', new(1912, 7, 30), new(1926, 12, 24)),
        ("昭和", 'S', new(1926, 12, 25), new(1989, 1, 7)),
        ("平成", 'H', new(1989, 1, 8), new(2019, 4, 30)),
        ("令和", 'R', new(2019, 5, 1), DateOnly.MaxValue),
    ];

    /// <summary>Parses the date; false (and no value) when it is not a date in one of the accepted forms.</summary>
    public static bool TryParse(string? value, out DateOnly date)
    {
        date = default;
        var text = (value ?? string.Empty).Normalize(NormalizationForm.FormKC).Trim();
        if (GregorianPattern().Match(text) is { Success: true } g)
        {
            return TryMake(Number(g, "y"), Number(g, "m"), Number(g, "d"), out date);
        }

        if (EraPattern().Match(text) is not { Success: true } e)
        {
            return false;
        }

        var eraText = e.Groups["era"].Value;
        var era = Eras.FirstOrDefault(x => x.Name == eraText || (eraText.Length == 1 && char.ToUpperInvariant(eraText[0]) == x.Letter));
        if (era.Name is null)
        {
            return false;
        }

        var year = e.Groups["y"].Value == "元" ? 1 : Number(e, "y");
        if (!TryMake(era.Start.Year + year - 1, Number(e, "m"), Number(e, "d"), out date) || date < era.Start || date > era.End)
        {
            date = default;
            return false;
        }

        return true;
    }

    private static int Number(Match match, string group) => int.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture);

    private static bool TryMake(int year, int month, int day, out DateOnly date)
    {
        date = default;
        if (year is < 1 or > 9999 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            return false;
        }

        date = new DateOnly(year, month, day);
        return true;
    }

    [GeneratedRegex(@"^(?<y>\d{4})\s*[/\-.年]\s*(?<m>\d{1,2})\s*[/\-.月]\s*(?<d>\d{1,2})\s*日?$", RegexOptions.CultureInvariant)]
    private static partial Regex GregorianPattern();

    [GeneratedRegex(@"^(?<era>明治|大正|昭和|平成|令和|[MTSHRmtshr])\s*(?<y>\d{1,2}|元)\s*[/\-.年]\s*(?<m>\d{1,2})\s*[/\-.月]\s*(?<d>\d{1,2})\s*日?$", RegexOptions.CultureInvariant)]
    private static partial Regex EraPattern();
}
