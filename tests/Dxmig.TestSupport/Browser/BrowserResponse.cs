namespace Dxmig.TestSupport.Browser;

/// <summary>The HTTP response that became the page (the main frame's document after any redirects): status, URL and
/// headers (names case-insensitive; a header sent several times has its values joined by a newline, as Chromium gives them).</summary>
public sealed record BrowserResponse(int Status, Uri Url, IReadOnlyDictionary<string, string> Headers)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}
