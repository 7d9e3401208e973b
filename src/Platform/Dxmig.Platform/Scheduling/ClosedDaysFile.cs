using Dxmig.Contracts;

namespace Dxmig.Platform.Scheduling;

/// <summary>Where the closed-day calendar's configured dates come from, for every command and the scheduler alike.</summary>
public static class ClosedDaysFile
{
    /// <summary>The configuration file used when none is named: <c>mappings/closed-days.yaml</c> of the repository.</summary>
    public const string DefaultConfig = "mappings/closed-days.yaml";

    /// <summary>
    /// The closed-day calendar with the configured dates of <paramref name="configPath"/>, or of the repository's
    /// <see cref="DefaultConfig"/> when none is named and it exists ($DXMIG_REPO, else the current folder). Null when
    /// the file has errors (each in <paramref name="diagnostics"/>, which also holds its warnings).
    /// </summary>
    public static (ClosedDayCalendar Calendar, string? Path)? Load(string? configPath, Func<string, string?> environment, DiagnosticBag diagnostics)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var path = configPath;
        if (path is null)
        {
            var candidate = Path.Combine(environment("DXMIG_REPO") ?? Directory.GetCurrentDirectory(), DefaultConfig);
            path = File.Exists(candidate) ? candidate : null;
        }

        if (path is null)
        {
            return (ClosedDayCalendar.Standard, null);
        }

        var map = ClosedDaysMap.Load(path, diagnostics);
        return map is null ? null : (new ClosedDayCalendar(map), path);
    }
}
