namespace Dxmig.TestSupport.Browser;

/// <summary>What went wrong in a page, as <see cref="BrowserPage.Problems"/> records it.</summary>
public enum BrowserProblemKind
{
    /// <summary><c>console.error(...)</c> or a failed <c>console.assert(...)</c> in the page's script.</summary>
    ConsoleError,

    /// <summary>An exception no script caught, or a rejected promise nobody handled (Runtime.exceptionThrown).</summary>
    UncaughtException,

    /// <summary>The Content-Security-Policy blocked (or, report-only, would have blocked) something: a
    /// <c>securitypolicyviolation</c> event in the page, or the browser's own security message about it.</summary>
    ContentSecurityPolicy,

    /// <summary>A resource the page asked for failed (404 of a script or style, a refused connection), from the browser's log.</summary>
    FailedResource,

    /// <summary>Any other error the browser logged about the page (mixed content, a deprecated API that failed, ...).</summary>
    BrowserError,

    /// <summary>The page's renderer process crashed.</summary>
    Crash,
}
