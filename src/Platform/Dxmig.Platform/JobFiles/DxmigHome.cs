namespace Dxmig.Platform.JobFiles;

/// <summary>
/// Where dxmig keeps its defaults (ledger, platform store, logs): <c>$DXMIG_HOME</c>, else <c>.dxmig</c> in the
/// current folder. <c>./dxmig</c> sets it to the repository's <c>.dxmig</c>.
/// </summary>
public static class DxmigHome
{
    public const string Variable = "DXMIG_HOME";

    public static string Resolve(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return Path.GetFullPath(environment(Variable) is { Length: > 0 } home ? home : ".dxmig");
    }
}
