namespace Dxmig.Contracts.Text;

/// <summary>
/// Japan's time (Asia/Tokyo), the one place its offset is written. Japan has kept no summer time since 1951, so UTC+9
/// all year is exact, needs no time-zone database, and turns a source's wall-clock times into instants without doubt.
/// </summary>
public static class JapanTime
{
    /// <summary>UTC+9.</summary>
    public static readonly TimeSpan Offset = TimeSpan.FromHours(9);

    /// <summary>The date in Japan now, by the given clock.</summary>
    public static DateOnly Today(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        return DateOnly.FromDateTime(time.GetUtcNow().ToOffset(Offset).DateTime);
    }

    /// <summary>A wall-clock time in Japan as UTC (<see cref="DateTimeKind.Utc"/>).</summary>
    public static DateTime ToUtc(DateTime japan) => DateTime.SpecifyKind(japan - Offset, DateTimeKind.Utc);
}
