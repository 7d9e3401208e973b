using Dxmig.Contracts.Text;
using Dxmig.Loaders.PlatformStore;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Storage;
using Dxmig.Sandbox.Samples;
using Microsoft.EntityFrameworkCore;

namespace Dxmig.TestSupport.Jobs;

/// <summary>
/// A folder with sample exports, job files, a ledger and a store, and the environment and clock a run sees: what the
/// job layer's tests (Dxmig.Jobs.Tests, through the job layer) and the command line's tests (Dxmig.Cli.Tests, through
/// <c>dxmig</c>) both stand on. It runs nothing itself.
/// </summary>
public sealed class JobWorkspace : IDisposable
{
    private readonly TempFolder temp = new("dxmig-job");

    public JobWorkspace() => JapaneseEncodings.EnsureRegistered();

    public string Folder => temp.Path;

    public string Exports => temp.File("exports");

    public string Ledger => temp.File("state/ledger.db");

    public string Store => temp.File("state/platform.db");

    /// <summary>The environment variables a run sees (nothing else of the process's).</summary>
    public Dictionary<string, string> Environment { get; } = new();

    /// <summary>The clock a run sees (a fake one moves run windows without sleeping).</summary>
    public TimeProvider Time { get; set; } = TimeProvider.System;

    /// <summary>Looks a variable up in <see cref="Environment"/> (null when it is not set).</summary>
    public string? Variable(string name) => Environment.TryGetValue(name, out var value) ? value : null;

    public SampleSet Samples(int accounts, int minRows = 40, int maxRows = 120) =>
        AddressBookSamples.Write(Exports, [.. Enumerable.Range(0, accounts).Select(i => $"user{i:000}")], seed: 7, minRows, maxRows);

    /// <summary>An address-book job over <see cref="Exports"/> into the SQLite store <see cref="Store"/>.</summary>
    public string JobFile(int batchSize = 200, int parallelism = 4, string extra = "")
    {
        var mappings = RepoPaths.Mappings.Replace("\\", "/", StringComparison.Ordinal);
        return temp.Write("jobs/addressbook.yaml", $"""
            name: test-addressbook
            kind: addressbook
            source:
              type: activemail-addressbook-csv
              directory: ../exports
              encoding: auto
            target:
              type: platform-contacts
              store: ../state/platform.db
            ledger: ../state/ledger.db
            mappings:
              fields: {mappings}/activemail-addressbook-fields.yaml
              gaiji: {mappings}/gaiji.csv
            options:
              parallelism: {parallelism}
              batch-size: {batchSize}
            logging:
              folder: ../logs
            {extra}
            """);
    }

    public string Write(string name, string text) => temp.Write(name, text);

    /// <summary>
    /// What every mail example job reads besides its servers: the accounts file (each user to <paramref name="target"/>),
    /// the ledger and dxmig's home, in <see cref="Environment"/>.
    /// </summary>
    public void UseMailAccounts(IEnumerable<string> users, Func<string, string> target)
    {
        Environment["DXMIG_ACCOUNTS"] = Write("accounts.csv", "source,target\n" + string.Concat(users.Select(u => $"{u},{target(u)}\n")));
        Environment["DXMIG_LEDGER"] = Ledger;
        Environment["DXMIG_HOME"] = System.IO.Path.Combine(Folder, "home");
    }

    /// <summary>An IMAP server for the example jobs' <c>{prefix}_*</c> variables: plain on loopback, its master user.</summary>
    public void UseImapServer(string prefix, Sandbox.DovecotServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        Environment[$"{prefix}_HOST"] = server.Host;
        Environment[$"{prefix}_PORT"] = server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Environment[$"{prefix}_SECURITY"] = "none";
        Environment[$"{prefix}_ADMIN_USER"] = server.MasterUser;
        Environment[$"{prefix}_ADMIN_PASSWORD"] = server.MasterPassword;
    }

    /// <summary>A copy of a shipped job, edited, in this folder (its mapping paths made absolute).</summary>
    public string JobVariant(string job, string name, Func<string, string> edit)
    {
        ArgumentNullException.ThrowIfNull(edit);
        var text = File.ReadAllText(job).Replace(": mappings/", ": " + RepoPaths.Mappings + "/", StringComparison.Ordinal);
        return Write($"jobs/{name}.yaml", edit(text));
    }

    public async Task<int> CountContactsAsync()
    {
        await using var db = new PlatformDbContext(StoreContextFactory.CreateOptions<PlatformDbContext>(StoreLocation.Parse(Store, "/")));
        return await db.Contacts.CountAsync();
    }

    public async Task<List<ContactEntity>> ContactsAsync(System.Linq.Expressions.Expression<Func<ContactEntity, bool>> where)
    {
        await using var db = new PlatformDbContext(StoreContextFactory.CreateOptions<PlatformDbContext>(StoreLocation.Parse(Store, "/")));
        return await db.Contacts.Where(where).ToListAsync();
    }

    public async Task<Dictionary<ItemState, int>> LedgerStatesAsync()
    {
        await using var db = new LedgerDbContext(StoreContextFactory.CreateOptions<LedgerDbContext>(StoreLocation.Parse(Ledger, "/")));
        return await db.Items.GroupBy(i => i.State).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(x => x.Key, x => x.Count);
    }

    /// <summary>Every ledger row (state, reason code and message, location, target key).</summary>
    public async Task<List<LedgerItem>> LedgerItemsAsync()
    {
        await using var db = new LedgerDbContext(StoreContextFactory.CreateOptions<LedgerDbContext>(StoreLocation.Parse(Ledger, "/")));
        return await db.Items.AsNoTracking().ToListAsync();
    }

    /// <summary>Waits until the ledger holds at least this many loaded items (or the run's own process ended first: an error).</summary>
    public async Task WaitForLoadedAsync(int minimumLoaded, System.Diagnostics.Process? process)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (DateTime.UtcNow < deadline && process?.HasExited != true)
        {
            try
            {
                var states = await LedgerStatesAsync();
                if (states.TryGetValue(ItemState.Loaded, out var loaded) && loaded >= minimumLoaded)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or InvalidOperationException)
            {
                // Not created yet.
            }

            await Task.Delay(20);
        }

        throw new TimeoutException("the run never got far enough to be stopped mid-run, or ended first");
    }

    public void Dispose() => temp.Dispose();
}
