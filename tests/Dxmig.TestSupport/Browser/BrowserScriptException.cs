namespace Dxmig.TestSupport.Browser;

/// <summary>JavaScript evaluated in the page threw (the message is the exception as the page saw it).</summary>
public sealed class BrowserScriptException : Exception
{
    public BrowserScriptException()
    {
    }

    public BrowserScriptException(string message)
        : base(message)
    {
    }

    public BrowserScriptException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
