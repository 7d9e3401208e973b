using System.Globalization;

namespace Dxmig.Cli.Console;

/// <summary>Numbers as a person reads them.</summary>
public static class Units
{
    public static string Bytes(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => (bytes / 1024d).ToString("0.0 KB", CultureInfo.InvariantCulture),
        < 1024L * 1024 * 1024 => (bytes / 1024d / 1024).ToString("0.0 MB", CultureInfo.InvariantCulture),
        _ => (bytes / 1024d / 1024 / 1024).ToString("0.00 GB", CultureInfo.InvariantCulture),
    };

    public static string Count(long count) => count.ToString("N0", CultureInfo.InvariantCulture);

    public static string Duration(TimeSpan span) => span.TotalHours >= 1
        ? $"{(int)span.TotalHours}:{span.Minutes:00}:{span.Seconds:00}"
        : $"{span.Minutes:00}:{span.Seconds:00}";

    private static readonly TimeZoneInfo Tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");

    /// <summary>A UTC instant shown in Japan time.</summary>
    public static string Jst(DateTime utc) =>
        TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), Tokyo).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " JST";
}
