namespace Dxmig.Platform.JobFiles;

/// <summary>When a job runs: a Quartz cron expression, a calendar of days, and a run window in a time zone.</summary>
public sealed record ScheduleSpec(string? Cron, string Calendar, TimeOnly? WindowStart, TimeOnly? WindowEnd, string TimeZone)
{
    public const string DefaultTimeZone = "Asia/Tokyo";

    /// <summary>Calendars a schedule may name.</summary>
    public static readonly IReadOnlyList<string> Calendars = ["every-day", "closed-days", "working-days"];
}
