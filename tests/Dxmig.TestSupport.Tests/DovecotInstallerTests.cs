using Dxmig.Sandbox;

namespace Dxmig.TestSupport.Tests;

/// <summary>
/// The installer against a fake apt-get and a policy-rc.d in a temp folder. Its PATH is only a folder of its own (the
/// fake and links to the few tools the script uses), so the real apt-get, sudo and /usr/sbin are out of reach.
/// </summary>
public sealed class DovecotInstallerTests : IDisposable
{
    private readonly TempFolder temp = new("dxmig-installer");

    public void Dispose() => temp.Dispose();

    private string Bin => temp.File("bin");

    private string Calls => temp.File("calls.log");

    private string Installed => temp.File("installed");

    private string Policy => temp.File("policy-rc.d");

    [Fact]
    public async Task Missing_InstallsWithAPolicyThatRefusesServiceStarts_ThenRemovesIt()
    {
        FakeAptGet(exitCode: 0);
        var log = new StringWriter();

        var ok = await Installer().EnsureInstalledAsync(log, mayAskForPassword: false);

        ok.Should().BeTrue(log.ToString());
        var calls = File.ReadAllLines(Calls);
        calls[0].Should().Be("update -qq");
        calls[1].Should().Be("install -y -qq --no-install-recommends dovecot-imapd frontend=noninteractive policy=#!/bin/sh|exit 101|");
        File.Exists(Policy).Should().BeFalse("the guard is removed after the install");
        log.ToString().Should().Contain("installing Dovecot").And.Contain("Dovecot installed");
    }

    [Fact]
    public async Task ExistingPolicy_IsLeftAsItIs()
    {
        FakeAptGet(exitCode: 0);
        File.WriteAllText(Policy, "#!/bin/sh\nexit 0\n");

        var ok = await Installer().EnsureInstalledAsync(TextWriter.Null, mayAskForPassword: false);

        ok.Should().BeTrue();
        File.ReadAllText(Policy).Should().Be("#!/bin/sh\nexit 0\n");
        File.ReadAllLines(Calls)[1].Should().EndWith("policy=#!/bin/sh|exit 0|");
    }

    [Fact]
    public async Task FailedInstall_ReturnsFalse_SaysWhyInBothLanguages_AndRemovesThePolicy()
    {
        FakeAptGet(exitCode: 100);
        var log = new StringWriter();

        var ok = await Installer().EnsureInstalledAsync(log, mayAskForPassword: false);

        ok.Should().BeFalse();
        log.ToString().Should().Contain("Dovecot を入れられませんでした (終了コード 100)").And.Contain("could not install Dovecot (exit code 100)")
            .And.Contain("sudo apt-get install dovecot-imapd").And.Contain("E: fake failure");
        File.Exists(Policy).Should().BeFalse();
    }

    [Fact]
    public async Task NoAptGet_ReturnsFalse_WithABilingualMessage()
    {
        Tools();
        var log = new StringWriter();

        var ok = await Installer().EnsureInstalledAsync(log, mayAskForPassword: false);

        ok.Should().BeFalse();
        log.ToString().Should().Contain("apt-get がないため自動では入れられません").And.Contain("apt-get is not available");
    }

    [Fact]
    public async Task AlreadyInstalled_DoesNothing()
    {
        FakeAptGet(exitCode: 0);
        File.WriteAllText(Installed, string.Empty);

        (await Installer().EnsureInstalledAsync(TextWriter.Null, mayAskForPassword: false)).Should().BeTrue();

        File.Exists(Calls).Should().BeFalse();
    }

    private DovecotInstaller Installer() => new()
    {
        PolicyPath = Policy,
        SearchPath = Bin,
        IsInstalled = () => File.Exists(Installed),
        RunsAsRoot = true,
        Timeout = TimeSpan.FromSeconds(30),
    };

    /// <summary>An apt-get that records its arguments (and, when installing, the environment and the policy it sees).</summary>
    private void FakeAptGet(int exitCode)
    {
        Tools();
        var script = temp.Write("bin/apt-get", $$"""
            #!/bin/sh
            if [ "$1" = update ]; then echo "$*" >> '{{Calls}}'; exit 0; fi
            policy=$(tr '\n' '|' < '{{Policy}}' 2>/dev/null)
            echo "$* frontend=$DEBIAN_FRONTEND policy=$policy" >> '{{Calls}}'
            if [ {{exitCode}} -ne 0 ]; then echo "E: fake failure" >&2; exit {{exitCode}}; fi
            touch '{{Installed}}'
            """);
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>The folder that is the installer's whole PATH, with links to what its script and the fake call.</summary>
    private void Tools()
    {
        Directory.CreateDirectory(Bin);
        foreach (var tool in new[] { "env", "tee", "chmod", "rm", "tr", "touch" })
        {
            var real = new[] { "/usr/bin", "/bin" }.Select(d => Path.Combine(d, tool)).First(File.Exists);
            File.CreateSymbolicLink(Path.Combine(Bin, tool), real);
        }
    }
}
