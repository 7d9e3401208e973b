using System.Globalization;
using Dxmig.Platform.JobFiles;

namespace Dxmig.Platform.Scheduling;

/// <summary>Whether a job may start now and, if not, why and when it may.</summary>
public sealed record GateDecision(bool Open, string? Reason, DateTimeOffset? NextOpen);

/// <summary>One coming fire time of a schedule: it runs, or it is skipped with the reason.</summary>
public sealed record PlannedFire(DateTimeOffset At, bool Runs, string? SkipReason);

/// <summary>
/// A job file's schedule as the scheduler host applies it: the cron expression that fires it (the job's own, or —
/// without one — the opening of its window each day, or midnight), and the run window (<see cref="RunWindow"/>) that
/// every fire is checked against at the moment it would start. Pure: every answer is for an instant given to it.
/// </summary>
public sealed class ScheduleGate
{
    private readonly ScheduleSpec schedule;
    private readonly RunWindow window;
    private readonly IClosedDays closedDays;
    private readonly global::Quartz.CronExpression cron;

    public ScheduleGate(ScheduleSpec schedule, IClosedDays closedDays)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(closedDays);
        this.schedule = schedule;
        this.closedDays = closedDays;
        window = new RunWindow(schedule, closedDays);
        Zone = TimeZoneInfo.FindSystemTimeZoneById(schedule.TimeZone);
        Cron = EffectiveCron(schedule);
        cron = new global::Quartz.CronExpression(Cron, Zone);
    }

    /// <summary>The Quartz cron expression the trigger uses.</summary>
    public string Cron { get; }

    public TimeZoneInfo Zone { get; }

    /// <summary>The cron a schedule fires on: its own, else its window's opening time every day, else midnight.</summary>
    public static string EffectiveCron(ScheduleSpec schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        if (!string.IsNullOrWhiteSpace(schedule.Cron))
        {
            return schedule.Cron;
        }

        var at = schedule.WindowStart ?? TimeOnly.MinValue;
        return string.Create(CultureInfo.InvariantCulture, $"0 {at.Minute} {at.Hour} * * ?");
    }

    /// <summary>May the job start at <paramref name="now"/>? If not: the reason (the calendar's, or the window's) and the next opening.</summary>
    public GateDecision Check(DateTimeOffset now)
    {
        if (window.IsOpen(now))
        {
            return new GateDecision(true, null, now);
        }

        return new GateDecision(false, ClosedReason(now), window.NextOpen(now));
    }

    /// <summary>
    /// The coming fire times after <paramref name="now"/> up to the first that runs (at most <paramref name="maxFires"/>
    /// looked at): those skipped, each with its reason, then the one that runs. Empty when the cron never fires again.
    /// </summary>
    public IReadOnlyList<PlannedFire> Upcoming(DateTimeOffset now, int maxFires = 2000)
    {
        var result = new List<PlannedFire>();
        var at = now;
        for (var i = 0; i < maxFires; i++)
        {
            if (cron.GetNextValidTimeAfter(at) is not { } next)
            {
                break;
            }

            var decision = Check(next);
            result.Add(new PlannedFire(next, decision.Open, decision.Reason));
            if (decision.Open)
            {
                break;
            }

            at = next;
        }

        return result;
    }

    private string ClosedReason(DateTimeOffset at)
    {
        var local = TimeZoneInfo.ConvertTime(at, Zone);
        var day = DateOnly.FromDateTime(local.DateTime);
        var date = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var closed = closedDays.IsClosed(day, out var why);
        switch (schedule.Calendar)
        {
            case "working-days" when closed:
                return $"{date} は閉庁日 ({why}) / {date} is a closed day ({why}); this job runs on working days";
            case "closed-days" when !closed:
                return $"{date} は開庁日 / {date} is a working day; this job runs on closed days";
        }

        if (schedule.WindowStart is { } start && schedule.WindowEnd is { } end)
        {
            var window = string.Create(CultureInfo.InvariantCulture, $"{start:HH\\:mm}-{end:HH\\:mm} {schedule.TimeZone}");
            return $"{local:yyyy-MM-dd HH:mm} は実行時間帯 {window} の外です / {local:yyyy-MM-dd HH:mm} is outside the run window {window}";
        }

        return $"{local:yyyy-MM-dd HH:mm} は実行時間帯の外です / {local:yyyy-MM-dd HH:mm} is outside the run window";
    }
}
