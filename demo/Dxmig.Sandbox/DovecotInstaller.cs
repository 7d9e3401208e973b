using System.Globalization;

namespace Dxmig.Sandbox;

/// <summary>
/// Installs Dovecot (<c>dovecot-imapd</c>) with apt-get when it is missing, the way <c>./test.sh</c> does: as root, or
/// through sudo; with a temporary <c>policy-rc.d</c> that answers 101, so the package cannot start the system
/// service (which would listen on ports 143 and 993 of every interface). The sandbox servers are started privately by
/// <see cref="DovecotServer"/>; nothing here starts Dovecot.
/// </summary>
public sealed class DovecotInstaller
{
    /// <summary>The Debian package that brings <c>/usr/sbin/dovecot</c> with IMAP.</summary>
    public const string Package = "dovecot-imapd";

    /// <summary>
    /// $1: "sudo", "sudo -n" or empty; $2: the policy-rc.d path. An existing policy-rc.d is left as it is; one written
    /// here is removed whatever happens (the trap also runs when the script is interrupted).
    /// </summary>
    private const string Script = """
        set -u
        sudo=$1
        policy=$2
        policy_added=""
        cleanup() { if [ -n "$policy_added" ]; then $sudo rm -f "$policy"; fi; }
        trap cleanup EXIT
        trap 'exit 130' INT TERM
        $sudo apt-get update -qq || exit $?
        if [ ! -e "$policy" ]; then
          printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null || exit $?
          policy_added=1
          $sudo chmod 755 "$policy" || exit $?
        fi
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dovecot-imapd
        """;

    /// <summary>Where the guard goes; Debian's invoke-rc.d consults it before starting any service.</summary>
    public string PolicyPath { get; init; } = "/usr/sbin/policy-rc.d";

    /// <summary>The PATH apt-get, sudo and their helpers are looked up in; this process's PATH when null.</summary>
    public string? SearchPath { get; init; }

    /// <summary>Whether Dovecot is there already; by default <see cref="DovecotServer.IsInstalled"/>.</summary>
    public Func<bool> IsInstalled { get; init; } = () => DovecotServer.IsInstalled;

    /// <summary>Whether this process runs as root; by default <see cref="Environment.IsPrivilegedProcess"/>.</summary>
    public bool RunsAsRoot { get; init; } = Environment.IsPrivilegedProcess;

    /// <summary>How long apt-get may take (update and install).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Makes sure Dovecot is installed. Progress and every failure are written to <paramref name="log"/> in Japanese
    /// and English; a failure says how to install it by hand.
    /// </summary>
    /// <param name="log">Where the messages go.</param>
    /// <param name="mayAskForPassword">
    /// True on a terminal: sudo may ask for a password. Otherwise sudo runs with <c>-n</c> and fails rather than wait.
    /// </param>
    /// <returns>True when Dovecot is installed (already, or now).</returns>
    public async Task<bool> EnsureInstalledAsync(TextWriter log, bool mayAskForPassword)
    {
        ArgumentNullException.ThrowIfNull(log);
        if (IsInstalled())
        {
            return true;
        }

        const string byHand = $"手で入れてください / install it by hand: sudo apt-get install {Package}";
        var path = SearchPath ?? Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        if (!OperatingSystem.IsLinux() || Find("apt-get", path) is null)
        {
            await log.WriteLineAsync($"Dovecot ({Package}) が入っておらず、apt-get がないため自動では入れられません。{byHand}");
            await log.WriteLineAsync($"Dovecot ({Package}) is not installed and apt-get is not available to install it.");
            return false;
        }

        string sudo;
        if (RunsAsRoot)
        {
            sudo = string.Empty;
        }
        else if (Find("sudo", path) is not null)
        {
            sudo = mayAskForPassword ? "sudo" : "sudo -n";
        }
        else
        {
            await log.WriteLineAsync($"Dovecot ({Package}) が入っていません。root でなく sudo もないため入れられません。{byHand}");
            await log.WriteLineAsync($"Dovecot ({Package}) is not installed, and this is neither root nor able to use sudo.");
            return false;
        }

        await log.WriteLineAsync($"Dovecot ({Package}) を apt-get で入れています (システムのサービスは起動しません) / installing Dovecot ({Package}) with apt-get; its system service is not started…");
        int code;
        string output;
        try
        {
            (code, output) = await ProcessRunner.RunAsync("/bin/sh", ["-c", Script, "dovecot-install", sudo, PolicyPath], "/", Timeout, new Dictionary<string, string> { ["PATH"] = path });
        }
        catch (TimeoutException)
        {
            await log.WriteLineAsync($"Dovecot のインストールが {Timeout.TotalMinutes:0} 分で終わりませんでした。{byHand}");
            await log.WriteLineAsync($"installing Dovecot did not finish within {Timeout.TotalMinutes:0} minutes.");
            return false;
        }

        if (code != 0 || !IsInstalled())
        {
            var tail = string.Join('\n', output.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(8));
            await log.WriteLineAsync($"Dovecot を入れられませんでした (終了コード {code.ToString(CultureInfo.InvariantCulture)})。{byHand}");
            await log.WriteLineAsync($"could not install Dovecot (exit code {code.ToString(CultureInfo.InvariantCulture)}):");
            if (tail.Length > 0)
            {
                await log.WriteLineAsync(tail);
            }

            return false;
        }

        await log.WriteLineAsync("Dovecot を入れました (システムのサービスは停止したまま) / Dovecot installed (its system service left stopped)");
        return true;
    }

    private static string? Find(string program, string path) =>
        path.Split(':', StringSplitOptions.RemoveEmptyEntries).Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists);
}
