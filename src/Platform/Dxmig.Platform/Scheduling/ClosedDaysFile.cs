using Dxmig.Contracts;
using Dxmig.Platform.JobFiles;

namespace Dxmig.Platform.Scheduling;

/// <summary>Where the closed-day calendar's configured dates come from, for every command and the scheduler alike.</summary>
public static class ClosedDaysFile
{
    /// <summary>The configuration file used when none is named: <c>mappings/closed-days.yaml</c>, found on the mapping search path.</summary>
    public const string DefaultConfig = "mappings/closed-days.yaml";

    /// <summary>
    /// The closed-day calendar with the configured dates of <paramref name="configPath"/>, or, when none is named, of
    /// <see cref="DefaultConfig"/> found the way a job's mapping files are (<see cref="MappingSearchPath"/>: beside
    /// <paramref name="nearFolder"/> — the job's or the jobs' folder, else the current folder —, in a <c>mappings</c>
    /// folder there or above, <c>$DXMIG_MAPPINGS</c>, <c>$DXMIG_HOME/mappings</c>, the installation's <c>mappings</c>).
    /// When it is found nowhere the rules alone apply, and with <paramref name="warnWhenMissing"/> a warning in
    /// <paramref name="diagnostics"/> says so and where it was looked for. Null when the file has errors (each in
    /// <paramref name="diagnostics"/>, which also holds its warnings).
    /// </summary>
    public static (ClosedDayCalendar Calendar, string? Path)? Load(
        string? configPath, Func<string, string?> environment, DiagnosticBag diagnostics, string? nearFolder = null, bool warnWhenMissing = false)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(diagnostics);
        var path = configPath;
        if (path is null)
        {
            var (found, tried) = MappingSearchPath.Resolve(DefaultConfig, nearFolder ?? Directory.GetCurrentDirectory(), environment);
            path = found;
            if (found is null && warnWhenMissing)
            {
                var places = MappingSearchPath.Describe(tried);
                diagnostics.Warning(
                    new SourcePosition("closed-days.yaml", 0, 0),
                    $"閉庁日の設定ファイルが見つかりません (探した場所: {places})。設定した閉庁日・開庁日は使われず、祝日・土日・年末年始の規則だけを使います",
                    $"the closed-days file was not found (looked in: {places}); configured closed and open days are not applied, only the rules (holidays, weekends, 29 Dec – 3 Jan)");
            }
        }

        if (path is null)
        {
            return (ClosedDayCalendar.Standard, null);
        }

        var map = ClosedDaysMap.Load(path, diagnostics);
        return map is null ? null : (new ClosedDayCalendar(map), path);
    }
}
