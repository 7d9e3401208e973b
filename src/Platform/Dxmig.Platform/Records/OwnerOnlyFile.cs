namespace Dxmig.Platform.Records;

/// <summary>Files that hold message bytes on disk: created new, readable and writable by the owner only.</summary>
public static class OwnerOnlyFile
{
    public static FileStreamOptions Options(FileAccess access, FileOptions options = FileOptions.None)
    {
        var result = new FileStreamOptions { Mode = FileMode.CreateNew, Access = access, Options = options };
        if (!OperatingSystem.IsWindows())
        {
            result.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return result;
    }
}
