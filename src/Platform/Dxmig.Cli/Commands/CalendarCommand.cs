using Dxmig.Contracts;
using System.CommandLine;
using System.Globalization;
using Dxmig.Cli.Console;
using Dxmig.Platform.Jobs;
using Dxmig.Platform.Pipeline;
using Dxmig.Platform.Scheduling;

namespace Dxmig.Cli.Commands;

/// <summary>
/// <c>dxmig calendar [YEAR] [--config FILE]</c>: the year's closed days, one a line: the ISO date, then the reason
/// (the holiday's name, 土曜/日曜, 年末年始, or the configured reason), so an operator sees when jobs will run.
/// </summary>
internal static class CalendarCommand
{
    /// <summary>The configuration file used when none is named: <c>mappings/closed-days.yaml</c> of the repository.</summary>
    public const string DefaultConfig = "mappings/closed-days.yaml";

    public static Command Create(CliIo io)
    {
        var year = new Argument<int?>("year") { Description = "年 (省略時は東京の今年) / year (default: this year in Asia/Tokyo)", Arity = ArgumentArity.ZeroOrOne };
        var config = new Option<string?>("--config") { Description = $"閉庁日の設定ファイル (既定 {DefaultConfig}) / closed-days file (default {DefaultConfig})" };
        var command = new Command("calendar", "その年の閉庁日を理由つきで一覧表示します / list the year's closed days with their reasons") { year, config };
        command.SetAction(parse => Execute(io, parse.GetValue(year), parse.GetValue(config)));
        return command;
    }

    public static int Execute(CliIo io, int? year, string? configPath)
    {
        var shown = year ?? DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(io.Time.GetUtcNow(), TimeZoneInfo.FindSystemTimeZoneById(ScheduleSpec.DefaultTimeZone)).DateTime).Year;
        if (shown is < JapaneseHolidays.FirstYear or > JapaneseHolidays.LastYear)
        {
            io.Error.WriteLine($"年は {JapaneseHolidays.FirstYear}〜{JapaneseHolidays.LastYear} です (値: {shown}) / the year must be from {JapaneseHolidays.FirstYear} to {JapaneseHolidays.LastYear} (got {shown})");
            return ExitCodes.Failed;
        }

        if (LoadCalendar(io, configPath) is not { } loaded)
        {
            return ExitCodes.Failed;
        }

        var days = loaded.Calendar.ClosedDaysOf(shown);
        foreach (var (date, reason) in days)
        {
            io.Output.WriteLine($"{date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)} {reason}");
        }

        var source = loaded.Path is null ? "設定なし / no configuration file" : $"設定 / configuration {loaded.Path}";
        io.Error.WriteLine($"{shown}: 閉庁日 {days.Count} 日 / {days.Count} closed days ({source})");
        return ExitCodes.Success;
    }

    /// <summary>
    /// The closed-day calendar with the configured dates of <paramref name="configPath"/>, or of the repository's
    /// <see cref="DefaultConfig"/> when none is named and it exists ($DXMIG_REPO, else the current folder). Null, with
    /// every problem written to standard error, when the file has errors.
    /// </summary>
    public static (ClosedDayCalendar Calendar, string? Path)? LoadCalendar(CliIo io, string? configPath)
    {
        var path = configPath;
        if (path is null)
        {
            var candidate = Path.Combine(io.Environment("DXMIG_REPO") ?? Directory.GetCurrentDirectory(), DefaultConfig);
            path = File.Exists(candidate) ? candidate : null;
        }

        if (path is null)
        {
            return (ClosedDayCalendar.Standard, null);
        }

        var diagnostics = new DiagnosticBag();
        var map = ClosedDaysMap.Load(path, diagnostics);
        if (diagnostics.Items.Count > 0)
        {
            io.Error.WriteLine(diagnostics.Render());
        }

        return map is null ? null : (new ClosedDayCalendar(map), path);
    }
}
