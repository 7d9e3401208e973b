namespace Dxmig.Contracts;

/// <summary>
/// How a file's path is shown to a person: relative to the current folder when the file is under it (as typed,
/// usually), else absolute — never a climb such as <c>../../tmp/x.yaml</c>, which no one can open from where they are.
/// </summary>
public static class DisplayPath
{
    /// <summary>The path to show for <paramref name="path"/> (relative or absolute, resolved against the current folder).</summary>
    public static string Of(string path) => Of(path, Directory.GetCurrentDirectory());

    /// <summary>The path to show for <paramref name="path"/>, seen from <paramref name="currentFolder"/>.</summary>
    public static string Of(string path, string currentFolder)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(currentFolder);
        var full = Path.GetFullPath(path, currentFolder);
        var relative = Path.GetRelativePath(currentFolder, full);
        var climbs = relative == ".." || relative.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            || relative.StartsWith("../", StringComparison.Ordinal);
        return climbs || Path.IsPathRooted(relative) ? full : relative;
    }
}
