namespace Dxmig.Platform.JobFiles;

/// <summary>
/// Where a file a job names by a relative path (a mapping file, <c>closed-days.yaml</c>) is found, so an example copied
/// into any folder still finds the shipped mappings. An absolute path is used as it is; a path that starts with
/// <c>./</c> or <c>../</c> means the job file's folder only. Any other relative path (a bare name such as
/// <c>gaiji.csv</c>, or <c>mappings/gaiji.csv</c>) is looked for, first found wins:
/// <list type="number">
/// <item>in the job file's folder, as written;</item>
/// <item>in a <c>mappings</c> folder beside the job file, or in one of the two folders above it (an install's
/// <c>/opt/dxmig/jobs/x.yaml</c> finds <c>/opt/dxmig/mappings</c>; the repository's <c>jobs/examples/x.yaml</c> finds its
/// <c>mappings</c>);</item>
/// <item>in each folder of <c>$DXMIG_MAPPINGS</c> (several separated by <c>:</c>);</item>
/// <item>in <c>$DXMIG_HOME/mappings</c>;</item>
/// <item>in the installation's <c>mappings</c>: <c>$DXMIG_REPO/mappings</c> when run through <c>./dxmig</c>, else the
/// folder above dxmig's program folder (<c>/opt/dxmig/bin</c> → <c>/opt/dxmig/mappings</c>).</item>
/// </list>
/// In the mapping folders a leading <c>mappings/</c> of the path is dropped (<c>mappings/gaiji.csv</c> is
/// <c>{folder}/gaiji.csv</c>).
/// </summary>
public static class MappingSearchPath
{
    /// <summary>Extra folders to look in, separated by <see cref="Path.PathSeparator"/>.</summary>
    public const string Variable = "DXMIG_MAPPINGS";

    /// <summary>The repository root <c>./dxmig</c> exports.</summary>
    public const string RepositoryVariable = "DXMIG_REPO";

    private const string FolderName = "mappings";
    private const int LevelsAbove = 2;

    /// <summary>
    /// The file <paramref name="value"/> names, or null; with every place looked in (full paths, in order), for a
    /// message that says where it was not found.
    /// </summary>
    public static (string? Found, IReadOnlyList<string> Tried) Resolve(string value, string jobFolder, Func<string, string?> environment)
    {
        var tried = Candidates(value, jobFolder, environment);
        return (tried.FirstOrDefault(File.Exists), tried);
    }

    /// <summary>Every place <paramref name="value"/> is looked for, in order.</summary>
    public static IReadOnlyList<string> Candidates(string value, string jobFolder, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(jobFolder);
        ArgumentNullException.ThrowIfNull(environment);
        var folder = Path.GetFullPath(jobFolder);
        if (Path.IsPathRooted(value))
        {
            return [Path.GetFullPath(value)];
        }

        var asWritten = Path.GetFullPath(value, folder);
        var normalized = value.Replace('\\', '/');
        if (normalized is "." or ".." || normalized.StartsWith("./", StringComparison.Ordinal) || normalized.StartsWith("../", StringComparison.Ordinal))
        {
            return [asWritten];
        }

        var inner = normalized.StartsWith(FolderName + "/", StringComparison.Ordinal) ? normalized[(FolderName.Length + 1)..] : normalized;
        var result = new List<string> { asWritten };
        foreach (var mappings in Folders(folder, environment))
        {
            var candidate = Path.GetFullPath(inner, mappings);
            if (!result.Contains(candidate, StringComparer.Ordinal))
            {
                result.Add(candidate);
            }
        }

        return result;
    }

    /// <summary>The mapping folders of the search path for a job in <paramref name="jobFolder"/>, in order (existing or not).</summary>
    public static IReadOnlyList<string> Folders(string jobFolder, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var folders = new List<string>();
        var at = new DirectoryInfo(Path.GetFullPath(jobFolder));
        for (var level = 0; level <= LevelsAbove && at is not null; level++, at = at.Parent)
        {
            folders.Add(Path.Combine(at.FullName, FolderName));
        }

        if (environment(Variable) is { Length: > 0 } extra)
        {
            folders.AddRange(extra.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(f => Path.GetFullPath(f)));
        }

        folders.Add(Path.Combine(DxmigHome.Resolve(environment), FolderName));
        folders.Add(InstallMappings(environment));
        return [.. folders.Distinct(StringComparer.Ordinal)];
    }

    /// <summary>The installation's mapping folder: <c>$DXMIG_REPO/mappings</c>, else the folder above the program's.</summary>
    public static string InstallMappings(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (environment(RepositoryVariable) is { Length: > 0 } repository)
        {
            return Path.GetFullPath(Path.Combine(repository, FolderName));
        }

        var program = Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory);
        return Path.GetFullPath(Path.Combine(Path.GetDirectoryName(program) ?? program, FolderName));
    }

    /// <summary>The places tried, for a message: shown as <see cref="Contracts.DisplayPath"/> does, comma-separated.</summary>
    public static string Describe(IEnumerable<string> tried) => string.Join(", ", tried.Select(Contracts.DisplayPath.Of));
}
