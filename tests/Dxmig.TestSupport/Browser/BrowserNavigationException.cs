namespace Dxmig.TestSupport.Browser;

/// <summary>A navigation that reached no page: a refused certificate (net::ERR_CERT_...), a closed port, a name that does not resolve.</summary>
public sealed class BrowserNavigationException : Exception
{
    public BrowserNavigationException()
    {
    }

    public BrowserNavigationException(string message)
        : base(message)
    {
    }

    public BrowserNavigationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
