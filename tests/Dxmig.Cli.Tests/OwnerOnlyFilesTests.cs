using Dxmig.TestSupport.Jobs;
using Dxmig.Platform.Pipeline;

namespace Dxmig.Cli.Tests;

/// <summary>
/// Ledger, logs and reports hold personal data. Started as a bare process (<c>dotnet dxmig.dll</c>, no ./dxmig wrapper and
/// its umask), with this test process's usual 022 mask inherited, dxmig must still create every one of them owner-only.
/// </summary>
public sealed class OwnerOnlyFilesTests
{
    private const UnixFileMode GroupOrOther = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    [Fact]
    public async Task Run_StartedWithoutTheWrapper_CreatesLedgerLogsAndReportsOwnerOnly()
    {
        await using var mail = await MailRunHarness.StartAsync(["tanaka"], messages: 12);
        using var process = mail.Cli.StartChild(MailRunHarness.Job);
        await process.WaitForExitAsync();
        process.ExitCode.Should().Be(ExitCodes.Success);

        var written = new[] { Path.GetDirectoryName(mail.Cli.Ledger)!, Path.Combine(mail.Cli.Folder, "home") }
            .SelectMany(root => Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories).Append(root))
            .ToList();
        written.Should().Contain(p => p.EndsWith(".jsonl", StringComparison.Ordinal), "the run's log is among them");
        written.Should().Contain(p => p.EndsWith("index.html", StringComparison.Ordinal), "the after-run report is among them");
        written.Should().Contain(p => p.EndsWith("ledger.db", StringComparison.Ordinal));
        written.Where(p => (File.GetUnixFileMode(p) & GroupOrOther) != 0)
            .Select(p => $"{Path.GetRelativePath(mail.Cli.Folder, p)} {File.GetUnixFileMode(p)}")
            .Should().BeEmpty("nobody but the owner may read what dxmig writes");
    }
}
