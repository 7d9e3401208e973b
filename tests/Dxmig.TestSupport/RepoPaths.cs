namespace Dxmig.TestSupport;

/// <summary>Where the repository is, found from the test assembly's folder.</summary>
public static class RepoPaths
{
    public static string Root { get; } = Find();

    public static string Mappings => Path.Combine(Root, "mappings");

    /// <summary>The project's shared folder beside the repository (<c>../shared</c>): reference data such as the holiday list.</summary>
    public static string Shared => Path.GetFullPath(Path.Combine(Root, "..", "shared"));

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
