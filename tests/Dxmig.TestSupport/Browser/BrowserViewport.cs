namespace Dxmig.TestSupport.Browser;

/// <summary>The page's size in CSS pixels; <paramref name="Mobile"/> emulates a touch device that honours the page's
/// <c>&lt;meta name="viewport"&gt;</c> (without it a mobile browser lays the page out 980 pixels wide and shrinks it).</summary>
public readonly record struct BrowserViewport(int Width, int Height, bool Mobile = false)
{
    /// <summary>A laptop at 1366 x 900 (the console's main audience: the night shift's notebook).</summary>
    public static BrowserViewport Laptop { get; } = new(1366, 900);

    /// <summary>A tablet held upright, 820 x 1180 (an iPad Air's CSS size), touch and mobile layout.</summary>
    public static BrowserViewport Tablet { get; } = new(820, 1180, Mobile: true);
}
