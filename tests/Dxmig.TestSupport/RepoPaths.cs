namespace Dxmig.TestSupport;

/// <summary>Where the repository is, found from the test assembly's folder.</summary>
public static class RepoPaths
{
    public static string Root { get; } = Find();

    public static string Mappings => Path.Combine(Root, "mappings");

    /// <summary>The project's shared folder beside the repository (<c>../shared</c>): reference data such as the holiday list.</summary>
    public static string Shared => Path.GetFullPath(Path.Combine(Root, "..", "shared"));

    /// <summary>
    /// The product as built (<c>src/Platform/Dxmig.Cli</c>'s own output, in the configuration the tests were built in),
    /// for tests that start <c>dotnet dxmig.dll</c> as its own process: its runtimeconfig and dependencies are the
    /// product's, not the test project's.
    /// </summary>
    public static string DxmigDll { get; } = Path.Combine(
        Root, "src", "Platform", "Dxmig.Cli", "bin",
        Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)))!,
        Path.GetFileName(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)), "dxmig.dll");

    private static string Find()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Migration.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Migration.sln not found above " + AppContext.BaseDirectory);
    }
}
