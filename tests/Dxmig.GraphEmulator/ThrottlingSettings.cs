namespace Dxmig.GraphEmulator;

/// <summary>Outlook's documented per app and mailbox limits (Microsoft Graph throttling limits, "Outlook service
/// limits"): 10,000 requests per 10 minutes, 4 concurrent requests, 150 MB upload per 5 minutes.</summary>
public sealed record ThrottlingSettings
{
    /// <summary>4 concurrent requests per app and mailbox.</summary>
    public const int DefaultMaxConcurrentRequests = 4;

    /// <summary>10,000 requests per 10-minute window.</summary>
    public const int DefaultRequestLimit = 10_000;

    /// <summary>150 MB of request bodies (creates, attachments, upload chunks) per 5-minute window. MB is taken as
    /// MiB, as in the 4 MB request cap (IIS's 4096 KB maxRequestLength behind "Maximum request length exceeded.").</summary>
    public const long DefaultUploadByteLimit = 150L * 1024 * 1024;

    public bool Enabled { get; init; } = true;

    public int MaxConcurrentRequests { get; init; } = DefaultMaxConcurrentRequests;

    public int RequestLimit { get; init; } = DefaultRequestLimit;

    public TimeSpan RequestWindow { get; init; } = TimeSpan.FromMinutes(10);

    public long UploadByteLimit { get; init; } = DefaultUploadByteLimit;

    public TimeSpan UploadWindow { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The same limits on a shrunken clock: <c>Scaled(0.01)</c> gives 100 requests per 6 s and 1.5 MiB per 3 s,
    /// so a benchmark meets the budget in seconds instead of minutes. Concurrency is not scaled.</summary>
    public ThrottlingSettings Scaled(double factor)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(factor);
        return this with
        {
            RequestLimit = Math.Max(1, (int)Math.Round(RequestLimit * factor)),
            RequestWindow = RequestWindow * factor,
            UploadByteLimit = Math.Max(1, (long)Math.Round(UploadByteLimit * factor)),
            UploadWindow = UploadWindow * factor,
        };
    }
}
