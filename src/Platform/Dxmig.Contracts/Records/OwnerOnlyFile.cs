using System.Runtime.InteropServices;

namespace Dxmig.Contracts.Records;

/// <summary>Files that hold message bytes or personal data on disk: readable and writable by the owner only.</summary>
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

    /// <summary>
    /// Sets the process's file-creation mask to 077, so that every file and folder dxmig creates (ledger, platform store,
    /// logs, reports, quarantine lists, SQLite's journal files) is its owner's alone, however dxmig was started: through
    /// ./dxmig (which sets the same mask), systemd, cron or <c>dotnet dxmig.dll</c>. Returns the mask that was in force.
    /// </summary>
    public static int RestrictNewFilesToOwner() => OperatingSystem.IsWindows() ? 0 : (int)Umask(0b000_111_111);

    // DllImport rather than LibraryImport: a blittable uint needs no marshalling code, and this keeps the assembly free of unsafe code.
    [DllImport("libc", EntryPoint = "umask")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Interoperability", "SYSLIB1054", Justification = "See above.")]
    private static extern uint Umask(uint mask);
}
