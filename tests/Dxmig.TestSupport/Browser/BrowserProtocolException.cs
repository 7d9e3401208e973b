namespace Dxmig.TestSupport.Browser;

/// <summary>A DevTools command Chromium refused or could not answer (the connection closed, an unknown node).</summary>
public sealed class BrowserProtocolException : Exception
{
    public BrowserProtocolException()
    {
    }

    public BrowserProtocolException(string message)
        : base(message)
    {
    }

    public BrowserProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
