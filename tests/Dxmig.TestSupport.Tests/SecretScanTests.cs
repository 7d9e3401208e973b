using System.Diagnostics;

namespace Dxmig.TestSupport.Tests;

/// <summary>The scan test.sh runs after the suite (tests/secret-scan.sh) finds what it must and passes what is clean.</summary>
public sealed class SecretScanTests : IDisposable
{
    // Not a TempFolder: that would hand these planted secrets to the suite's own scan.
    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("dxmig-scan-");

    [Fact]
    public async Task Scan_FindsARegisteredSecretAndABearerHeader_WithoutPrintingThem()
    {
        Write("secrets.txt", "tanaka-master-9f3c2a\n");
        Write("artifacts/run1/home/logs/run.jsonl", "{\"msg\":\"login as tanaka with tanaka-master-9f3c2a\"}\n");
        Write("artifacts/cli-1.txt", "GET /v1.0/me\r\nAuthorization: Bearer emu.abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG\r\n");
        Write("artifacts/clean.csv", "account,loaded\ntanaka,40\n");

        var (code, output) = await ScanAsync();

        code.Should().Be(1);
        output.Should().Contain("registered secret #1 found in run1/home/logs/run.jsonl").And.Contain("Authorization header found in cli-1.txt");
        output.Should().NotContain("tanaka-master-9f3c2a").And.NotContain("emu.abcdefghij");
    }

    [Fact]
    public async Task Scan_OfCleanOutput_Passes_AndOfNothingCollected_Fails()
    {
        Write("secrets.txt", "tanaka-master-9f3c2a\n");
        Write("artifacts/clean.txt", "Password=*** Authorization: *** client_secret=***\n");

        (await ScanAsync()).Code.Should().Be(0, "masked values are what dxmig writes");
        Directory.Delete(Path.Combine(folder.FullName, "artifacts"), recursive: true);
        (await ScanAsync()).Code.Should().Be(1, "a scan of nothing proves nothing");
    }

    public void Dispose() => folder.Delete(recursive: true);

    private void Write(string name, string text)
    {
        var path = Path.Combine(folder.FullName, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private async Task<(int Code, string Output)> ScanAsync()
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(RepoPaths.Root, "tests", "secret-scan.sh"));
        info.ArgumentList.Add(folder.FullName);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }
}
