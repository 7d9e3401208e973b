using Dxmig.Contracts;
using System.CommandLine;
using System.Globalization;
using Dxmig.Cli.Console;
using Dxmig.Platform.JobFiles;
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
    public const string DefaultConfig = ClosedDaysFile.DefaultConfig;

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

        if (LoadCalendar(io, configPath, warnWhenMissing: true) is not { } loaded)
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
    /// The closed-day calendar (<see cref="ClosedDaysFile.Load"/>: the file found beside <paramref name="nearFolder"/>
    /// or on the mapping search path), its problems written to standard error; null when it has errors.
    /// </summary>
    public static (ClosedDayCalendar Calendar, string? Path)? LoadCalendar(CliIo io, string? configPath, string? nearFolder = null, bool warnWhenMissing = false)
    {
        var diagnostics = new DiagnosticBag();
        var loaded = ClosedDaysFile.Load(configPath, io.Environment, diagnostics, nearFolder, warnWhenMissing);
        if (diagnostics.Items.Count > 0)
        {
            io.Error.WriteLine(diagnostics.Render());
        }

        return loaded;
    }
}
