using System.Text.RegularExpressions;

namespace Dxmig.Platform.JobFiles;

/// <summary>
/// What is wrong with a cron expression, in the words of a person who writes job files (never the scheduler
/// library's advice to C# programmers): a Unix 5-field cron gets the 6-field form to write instead, any other bad
/// expression names the field that cannot be read.
/// </summary>
public static partial class CronAdvice
{
    private static readonly (string Japanese, string English)[] Fields =
    [
        ("秒 (0-59)", "second (0-59)"),
        ("分 (0-59)", "minute (0-59)"),
        ("時 (0-23)", "hour (0-23)"),
        ("日 (1-31 か ?)", "day of month (1-31 or ?)"),
        ("月 (1-12 か JAN-DEC)", "month (1-12 or JAN-DEC)"),
        ("曜日 (SUN-SAT か 1-7、1 が日曜。または ?)", "weekday (SUN-SAT or 1-7 with 1 = Sunday, or ?)"),
        ("年", "year"),
    ];

    private static readonly string[] DayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"];

    private const string Form =
        "cron は 6 項目 (秒 分 時 日 月 曜日、7 項目目に年も可) で書きます。例: '0 0 20 ? * MON-FRI' (平日 20:00)";

    private const string FormEnglish =
        "cron has 6 fields (second minute hour day month weekday, optionally a 7th for the year), e.g. '0 0 20 ? * MON-FRI' (weekdays at 20:00)";

    /// <summary>True when the scheduler accepts <paramref name="cron"/>.</summary>
    public static bool IsValid(string cron)
    {
        try
        {
            _ = new Quartz.CronExpression(cron);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>Why <paramref name="cron"/> (which the scheduler refused) cannot be read and what to write instead, Japanese and English.</summary>
    public static (string Japanese, string English) Explain(string cron)
    {
        ArgumentNullException.ThrowIfNull(cron);
        var fields = cron.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length == 5)
        {
            var suggestion = FromUnix(fields);
            return suggestion is null
                ? ("cron は 6 項目 (秒 分 時 日 月 曜日) で書きます。Unix の 5 項目の先頭に秒 (0) を足し、日か曜日のどちらかを '?' にしてください",
                   "cron has 6 fields (second minute hour day month weekday): put a seconds field (0) before the 5 Unix fields and make the day or the weekday '?'")
                : ($"cron は 6 項目 (秒 分 時 日 月 曜日) で書きます。'{suggestion}' のように先頭に秒を足してください (曜日は SUN-SAT の名前で)",
                   $"cron has 6 fields (second minute hour day month weekday): add the seconds first, as in '{suggestion}' (weekdays by name, SUN-SAT)");
        }

        if (fields.Length is < 6 or > 7)
        {
            return ($"項目が {fields.Length} 個です。{Form}", $"it has {fields.Length} field(s); {FormEnglish}");
        }

        for (var i = 0; i < fields.Length; i++)
        {
            if (!FieldIsValid(i, fields[i]))
            {
                return ($"{i + 1} 番目の項目 '{fields[i]}' ({Fields[i].Japanese}) が読めません。{Form}",
                        $"field {i + 1} '{fields[i]}' ({Fields[i].English}) cannot be read; {FormEnglish}");
            }
        }

        if (fields[3] != "?" && fields[5] != "?")
        {
            return ("日と曜日は同時に指定できません。どちらかを '?' にしてください (例: '0 0 20 ? * MON-FRI')",
                    "the day and the weekday cannot both be given: make one of them '?' (e.g. '0 0 20 ? * MON-FRI')");
        }

        return (Form, FormEnglish);
    }

    /// <summary>A field alone, in an expression that is otherwise valid.</summary>
    private static bool FieldIsValid(int index, string value)
    {
        string[] probe = ["0", "0", "0", "?", "*", "*"];
        if (index == 6)
        {
            probe = [.. probe, value];
        }
        else
        {
            probe[index] = value;
            if (index is 3 or 5)
            {
                probe[8 - index] = value == "?" ? "*" : "?";
            }
        }

        return IsValid(string.Join(' ', probe));
    }

    /// <summary>The 6-field form of a Unix cron (seconds first, '?' where Quartz needs it, weekdays by name); null when no valid one follows.</summary>
    private static string? FromUnix(string[] fields)
    {
        var (minute, hour, day, month, weekday) = (fields[0], fields[1], fields[2], fields[3], fields[4]);
        if (weekday == "*")
        {
            weekday = "?";
        }
        else
        {
            if (UnixWeekdays().IsMatch(weekday))
            {
                weekday = Digit().Replace(weekday, m => DayNames[m.Value[0] - '0']);
            }

            if (day == "*")
            {
                day = "?";
            }
        }

        var suggestion = string.Join(' ', "0", minute, hour, day, month, weekday);
        return IsValid(suggestion) ? suggestion : null;
    }

    [GeneratedRegex("^[0-7](-[0-7])?(,[0-7](-[0-7])?)*$")]
    private static partial Regex UnixWeekdays();

    [GeneratedRegex("[0-7]")]
    private static partial Regex Digit();
}
