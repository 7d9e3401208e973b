namespace Dxmig.TestSupport.Browser;

/// <summary>One error seen in a page: its kind, the browser's text, and where (the script or page URL and line, when known).</summary>
public sealed record BrowserProblem(BrowserProblemKind Kind, string Text, string? Source)
{
    public override string ToString() => Source is null ? $"{Kind}: {Text}" : $"{Kind}: {Text} ({Source})";
}
