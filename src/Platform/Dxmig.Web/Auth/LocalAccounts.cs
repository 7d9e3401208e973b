using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Dxmig.Contracts;

namespace Dxmig.Web.Auth;

/// <summary>One local account: a name, its console role and its PBKDF2 hash.</summary>
public sealed record LocalAccount(string Name, string Role, string Hash);

/// <summary>
/// Local accounts for a site rehearsing without Entra ID: one line per person, <c>NAME ROLE HASH</c>, where HASH is
/// <c>pbkdf2-sha256$ITERATIONS$SALT$KEY</c> (PBKDF2 with HMAC-SHA-256, RFC 8018; salt and key in Base64). Made with
/// <c>dxmig console-account NAME --role operator --file FILE</c>. Off unless <c>--console-accounts FILE</c> names the
/// file. Five wrong passwords in a row lock the name for 15 minutes.
/// </summary>
public sealed class LocalAccounts
{
    public const int Iterations = 600_000;
    private const string Scheme = "pbkdf2-sha256";
    private const int SaltBytes = 16;
    private const int KeyBytes = 32;
    private const int FailuresBeforeLock = 5;
    private static readonly TimeSpan LockTime = TimeSpan.FromMinutes(15);

    private readonly string path;
    private readonly TimeProvider time;
    private readonly ConcurrentDictionary<string, (int Failures, DateTimeOffset Until)> failures = new(StringComparer.OrdinalIgnoreCase);
    private static readonly string DummyHash = HashPassword("dxmig-dummy-password-for-timing", 1_000);

    public LocalAccounts(string path, TimeProvider time)
    {
        this.path = path;
        this.time = time;
    }

    /// <summary>Reads the file (each sign-in reads it anew, so an added or removed person needs no restart).</summary>
    /// <exception cref="ConfigurationException">A line is not <c>NAME ROLE HASH</c>.</exception>
    public static IReadOnlyList<LocalAccount> Read(string path)
    {
        var accounts = new List<LocalAccount>();
        var number = 0;
        foreach (var raw in File.ReadAllLines(path, Encoding.UTF8))
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var parts = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 3 || parts[1] is not (ConsoleRoles.Viewer or ConsoleRoles.Operator) || !parts[2].StartsWith(Scheme + "$", StringComparison.Ordinal))
            {
                throw new ConfigurationException(
                    $"{DisplayPath.Of(path)}:{number}: エラー: 「名前 ロール ハッシュ」の形ではありません (ロールは viewer か operator。ハッシュは dxmig console-account で作ります) / error: not \"NAME ROLE HASH\" (role viewer or operator; make the hash with dxmig console-account)");
            }

            accounts.Add(new LocalAccount(parts[0], parts[1], parts[2]));
        }

        return accounts;
    }

    /// <summary>The account when <paramref name="password"/> is right; null otherwise (wrong, unknown or locked).</summary>
    public LocalAccount? Verify(string name, string password, out bool locked)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(password);
        var now = time.GetUtcNow();
        locked = failures.TryGetValue(name, out var state) && state.Failures >= FailuresBeforeLock && state.Until > now;
        var account = Read(path).FirstOrDefault(a => string.Equals(a.Name, name, StringComparison.OrdinalIgnoreCase));
        // The same work whether the name exists or not, so the answer's time does not tell which names exist.
        var good = Matches(account?.Hash ?? DummyHash, password) && account is not null;
        if (locked)
        {
            return null;
        }

        if (good)
        {
            failures.TryRemove(name, out _);
            return account;
        }

        failures.AddOrUpdate(name, _ => (1, now + LockTime), (_, s) => (s.Until > now ? s.Failures + 1 : 1, now + LockTime));
        return null;
    }

    /// <summary>A new hash line value for <paramref name="password"/>.</summary>
    public static string HashPassword(string password, int iterations = Iterations)
    {
        ArgumentNullException.ThrowIfNull(password);
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var key = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, KeyBytes);
        return string.Create(CultureInfo.InvariantCulture, $"{Scheme}${iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(key)}");
    }

    /// <summary>Whether <paramref name="password"/> matches <paramref name="hash"/> (constant time in the key).</summary>
    public static bool Matches(string hash, string password)
    {
        ArgumentNullException.ThrowIfNull(hash);
        ArgumentNullException.ThrowIfNull(password);
        var parts = hash.Split('$');
        if (parts.Length != 4 || parts[0] != Scheme || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) || iterations < 1000)
        {
            return false;
        }

        try
        {
            var salt = Convert.FromBase64String(parts[2]);
            var expected = Convert.FromBase64String(parts[3]);
            var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, expected.Length);
            return CryptographicOperations.FixedTimeEquals(actual, expected);
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
