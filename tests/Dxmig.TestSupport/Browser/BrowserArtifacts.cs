namespace Dxmig.TestSupport.Browser;

/// <summary>Where browser tests leave what a person looks at afterwards (screenshots).</summary>
public static class BrowserArtifacts
{
    /// <summary>Names a folder for test artefacts; screenshots go to its <c>screenshots</c> subfolder.</summary>
    public const string Variable = "DXMIG_TEST_ARTIFACTS";

    /// <summary>Names a file to which every page appends each DevTools event it receives (time, session, method, the first
    /// 600 characters of its parameters): for finding out why a wait timed out. Off unless set.</summary>
    public const string TraceVariable = "DXMIG_BROWSER_TRACE";

    public static string? TraceFile => Environment.GetEnvironmentVariable(TraceVariable) is { Length: > 0 } file ? file : null;

    /// <summary><c>$DXMIG_TEST_ARTIFACTS/screenshots</c> when the variable is set, else <c>artifacts/screenshots</c> under the
    /// test assembly's output folder (for example <c>tests/X.Tests/bin/Release/net10.0/artifacts/screenshots</c>).</summary>
    public static string Folder =>
        Path.Combine(
            Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } root ? Path.GetFullPath(root) : Path.Combine(AppContext.BaseDirectory, "artifacts"),
            "screenshots");
}
