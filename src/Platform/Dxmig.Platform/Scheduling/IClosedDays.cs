namespace Dxmig.Platform.Scheduling;

/// <summary>Which days the prefectural government is closed (weekends, public holidays, 29 Dec – 3 Jan, configured dates), and why.</summary>
public interface IClosedDays
{
    /// <summary>True when the office is closed that day; <paramref name="reason"/> says why (祝日の名前, 土曜, 日曜, 年末年始, or the configured reason).</summary>
    bool IsClosed(DateOnly day, out string? reason);
}
