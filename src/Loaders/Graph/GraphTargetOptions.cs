using System.Security.Cryptography.X509Certificates;

namespace Dxmig.Loaders.Graph;

/// <summary>
/// Where and as whom the Graph loaders write: the Graph base URL (the real service or the emulator), the Entra ID
/// authority, the app (tenant and client id, a client certificate or a secret, read at run time), and Graph's limits.
/// Every default is a named constant here, the one place it is written; a job file reader falls back to these.
/// </summary>
public sealed record GraphTargetOptions
{
    /// <summary>Graph refuses requests over 4 MB; dxmig keeps this much below it for headers and framing.</summary>
    public const int DefaultMaxRequestBytes = 4 * 1024 * 1024 - 96 * 1024;

    /// <summary>Graph takes at most 20 requests in one <c>$batch</c>.</summary>
    public const int MaxBatchSize = 20;

    public const int DefaultBatchSize = MaxBatchSize;

    /// <summary>Graph: attachments of "3 MB to 150 MB" go through an upload session.</summary>
    public const int DefaultUploadSessionFrom = 3_000_000;

    /// <summary>Exchange Online's default message size limit, 35 MB (tenants can raise it to 150 MB).</summary>
    public const long DefaultMaxMessageSize = 35L * 1024 * 1024;

    /// <summary>Under 4 MB, a multiple of 320 KiB.</summary>
    public const int DefaultUploadChunkBytes = 10 * 320 * 1024;

    public const int DefaultMaxRetries = 6;

    public const double DefaultCircuitFailureRatio = 0.5;

    public const int DefaultCircuitMinimumThroughput = 10;

    public const string DefaultContactFolderName = "Active! Mail アドレス帳";

    public static readonly TimeSpan DefaultRequestTimeout = TimeSpan.FromSeconds(100);

    public static readonly TimeSpan DefaultMaxThrottledWait = TimeSpan.FromMinutes(30);

    public static readonly TimeSpan DefaultMaxBackoff = TimeSpan.FromSeconds(60);

    public static readonly TimeSpan DefaultCircuitSamplingDuration = TimeSpan.FromSeconds(60);

    public static readonly TimeSpan DefaultCircuitBreakDuration = TimeSpan.FromSeconds(30);

    /// <summary>The real service's base URL.</summary>
    public static readonly Uri DefaultBaseUrl = new("https://graph.microsoft.com/v1.0");

    /// <summary>The public cloud's Entra ID authority.</summary>
    public static readonly Uri DefaultAuthorityHost = new("https://login.microsoftonline.com/");

    public Uri BaseUrl { get; init; } = DefaultBaseUrl;

    public Uri AuthorityHost { get; init; } = DefaultAuthorityHost;

    public required string TenantId { get; init; }

    public required string ClientId { get; init; }

    /// <summary>The app's client certificate (preferred), with its private key.</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>The app's client secret, when no certificate is given.</summary>
    public string? ClientSecret { get; init; }

    /// <summary>SHA-256 of the server certificate to accept instead of the system's trust store (the emulator's).</summary>
    public string? PinnedSha256 { get; init; }

    /// <summary>Graph refuses requests over 4 MB; dxmig keeps this much below it for headers and framing.</summary>
    public int MaxRequestBytes { get; init; } = DefaultMaxRequestBytes;

    /// <summary>Requests per <c>$batch</c> (Graph takes at most <see cref="MaxBatchSize"/>).</summary>
    public int BatchSize { get; init; } = DefaultBatchSize;

    /// <summary>Attachments from this size on go through an upload session (Graph: "3 MB to 150 MB").</summary>
    public int UploadSessionFrom { get; init; } = DefaultUploadSessionFrom;

    /// <summary>The largest message the target takes: Exchange Online's default of 35 MB (tenants can raise it to 150 MB).</summary>
    public long MaxMessageSize { get; init; } = DefaultMaxMessageSize;

    /// <summary>
    /// Give a message without Message-ID one derived from its source key (<see cref="Contracts.Records.SyntheticMessageId"/>),
    /// so a reconciliation reading the mailbox by IMAP can find it: set when Graph writes beside IMAP.
    /// </summary>
    public bool NameMessagesWithoutId { get; init; }

    /// <summary>Upload-session chunk: under 4 MB, a multiple of 320 KiB.</summary>
    public int UploadChunkBytes { get; init; } = DefaultUploadChunkBytes;

    /// <summary>Longest wait for one request before it counts as failed (and, for a write, in doubt).</summary>
    public TimeSpan RequestTimeout { get; init; } = DefaultRequestTimeout;

    /// <summary>Retries of one request (throttling, 5xx, dropped connections) before the batch fails.</summary>
    public int MaxRetries { get; init; } = DefaultMaxRetries;

    /// <summary>How long one request may stay throttled (429 after 429) before its mailbox is given up for the run.</summary>
    public TimeSpan MaxThrottledWait { get; init; } = DefaultMaxThrottledWait;

    /// <summary>Longest single wait between retries (a Retry-After above it is still honoured).</summary>
    public TimeSpan MaxBackoff { get; init; } = DefaultMaxBackoff;

    /// <summary>A mailbox whose requests fail this often (not counting throttling) is given up for this run.</summary>
    public double CircuitFailureRatio { get; init; } = DefaultCircuitFailureRatio;

    public int CircuitMinimumThroughput { get; init; } = DefaultCircuitMinimumThroughput;

    public TimeSpan CircuitSamplingDuration { get; init; } = DefaultCircuitSamplingDuration;

    public TimeSpan CircuitBreakDuration { get; init; } = DefaultCircuitBreakDuration;

    /// <summary>The Outlook contact folder that receives an account's address book.</summary>
    public string ContactFolderName { get; init; } = DefaultContactFolderName;

    public override string ToString() => $"{BaseUrl} (tenant {TenantId}, app {ClientId})";
}
