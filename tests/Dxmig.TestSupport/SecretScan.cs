using System.Text;

namespace Dxmig.TestSupport;

/// <summary>
/// Collects, for the scan test.sh runs after the whole suite (tests/secret-scan.sh), every secret the tests hand to dxmig
/// and everything dxmig wrote where a person could read it: its logs, reports, quarantine and ledger files (copied from each
/// <see cref="TempFolder"/> before it is removed), its console output and error text, and the alert mails it sent.
/// Nothing happens unless <c>DXMIG_SECRET_SCAN</c> names a folder (test.sh creates one, owner-only, and removes it).
/// </summary>
public static class SecretScan
{
    public const string Variable = "DXMIG_SECRET_SCAN";

    /// <summary>Files bigger than this are not kept (mail stores and large exports are inputs, not dxmig's writing).</summary>
    private const long MaxFileBytes = 32L * 1024 * 1024;

    /// <summary>What dxmig writes (logs, reports, quarantine lists, ledgers, mails). Not job files: those are the tests' input,
    /// and some carry a planted password to prove that the job-file reader refuses it.</summary>
    private static readonly string[] KeptExtensions = [".log", ".jsonl", ".txt", ".html", ".csv", ".json", ".eml", ".db"];

    private static readonly Lock Gate = new();

    private static string? Folder => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } folder ? folder : null;

    /// <summary>A value dxmig must never write anywhere (a password, a client secret). Values under 8 characters are ignored.</summary>
    public static void Register(string? secret)
    {
        if (Folder is not { } folder || string.IsNullOrEmpty(secret) || secret.Length < 8 || secret.Contains('\n', StringComparison.Ordinal))
        {
            return;
        }

        lock (Gate)
        {
            var path = Path.Combine(folder, "secrets.txt");
            File.AppendAllText(path, secret + "\n", new UTF8Encoding(false));
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    /// <summary>Registers the values of variables whose names say they hold a secret (…PASSWORD, …SECRET, …TOKEN).</summary>
    public static void RegisterVariables(IEnumerable<KeyValuePair<string, string>> variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        foreach (var (name, value) in variables)
        {
            if (name.Contains("PASSWORD", StringComparison.OrdinalIgnoreCase) || name.Contains("SECRET", StringComparison.OrdinalIgnoreCase)
                || name.Contains("TOKEN", StringComparison.OrdinalIgnoreCase))
            {
                Register(value);
            }
        }
    }

    /// <summary>Keeps a text dxmig produced that lives in no file (console output, error text, an alert mail).</summary>
    public static void KeepText(string kind, string? text)
    {
        if (Folder is not { } folder || string.IsNullOrEmpty(text))
        {
            return;
        }

        var path = Path.Combine(folder, "artifacts", $"{kind}-{Guid.NewGuid():N}.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text, new UTF8Encoding(false));
    }

    /// <summary>Copies what dxmig wrote under <paramref name="root"/> (by extension, skipping files the test wrote as secrets).</summary>
    public static void KeepFolder(string root)
    {
        if (Folder is not { } folder || !Directory.Exists(root))
        {
            return;
        }

        var target = Path.Combine(folder, "artifacts", Guid.NewGuid().ToString("N"));
        try
        {
            foreach (var file in Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true }))
            {
                var name = Path.GetFileName(file);
                var info = new FileInfo(file);
                if (!KeptExtensions.Contains(Path.GetExtension(name), StringComparer.OrdinalIgnoreCase) || info.Length > MaxFileBytes
                    || name.Contains("secret", StringComparison.OrdinalIgnoreCase) || name.Contains("password", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                var copy = Path.Combine(target, Path.GetRelativePath(root, file));
                Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
                File.Copy(file, copy, overwrite: true);
            }
        }
        catch (IOException)
        {
            // A file a child process is still writing: the rest is kept.
        }
    }
}
