namespace Dxmig.TestSupport;

/// <summary>Where the repository is, found from the test assembly's folder.</summary>
public static class RepoPaths
{
    public static string Root { get; } = Find();

    public static string Mappings => Path.Combine(Root, "mappings");

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
