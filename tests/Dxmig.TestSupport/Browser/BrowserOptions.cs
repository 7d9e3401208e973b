using System.Security.Cryptography.X509Certificates;

namespace Dxmig.TestSupport.Browser;

/// <summary>How <see cref="ChromiumBrowser.LaunchAsync"/> starts Chromium.</summary>
public sealed record BrowserOptions
{
    /// <summary>The default wait for a navigation, a selector, a predicate or a DevTools answer.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Certificates (self-signed, or a test CA's leaf) whose public key the browser accepts although no trusted CA
    /// issued it: Chromium's <c>--ignore-certificate-errors-spki-list</c> with <see cref="ChromiumBrowser.SpkiHash"/> of each.
    /// Every other certificate error still refuses the page; with none listed, nothing is accepted beyond the system's CAs.</summary>
    public IReadOnlyList<X509Certificate2> AcceptedCertificates { get; init; } = [];

    /// <summary>SPKI hashes (base64 SHA-256 of the DER SubjectPublicKeyInfo) accepted besides <see cref="AcceptedCertificates"/>.</summary>
    public IReadOnlyList<string> AcceptedSpkiHashes { get; init; } = [];

    /// <summary>The viewport of pages opened without one.</summary>
    public BrowserViewport Viewport { get; init; } = BrowserViewport.Laptop;

    /// <summary>Accept-Language and navigator.languages: Japanese first, as the prefecture's staff have it.</summary>
    public string Languages { get; init; } = "ja-JP,ja,en-US,en";

    /// <summary>An IANA time zone for the page's clock (<c>Asia/Tokyo</c>), or null for the machine's.</summary>
    public string? TimeZone { get; init; } = "Asia/Tokyo";

    /// <summary>The longest wait of any single step (navigation, selector, predicate, DevTools command).</summary>
    public TimeSpan Timeout { get; init; } = DefaultTimeout;

    /// <summary>Where screenshots go; null: <see cref="BrowserArtifacts.Folder"/> (<c>$DXMIG_TEST_ARTIFACTS/screenshots</c>, or
    /// <c>artifacts/screenshots</c> under the test's output folder).</summary>
    public string? ScreenshotFolder { get; init; }

    /// <summary>The process whose end ends the browser (the test process; a test of the watchdog gives another).</summary>
    internal int WatchedProcessId { get; init; } = Environment.ProcessId;

    /// <summary>The Chromium executable; null: Debian's <c>/usr/bin/chromium</c> (or <c>chromium-browser</c>).</summary>
    public string? ExecutablePath { get; init; }
}
