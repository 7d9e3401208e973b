using Dxmig.Platform.Contracts;
using Dxmig.Platform.Records;
using Dxmig.Platform.Storage;
using Microsoft.EntityFrameworkCore;

namespace Dxmig.Loaders.PlatformStore;

/// <summary>
/// Loads contacts into the platform store, upserting by source system, owner and native id: loading the same item
/// twice (a resumed batch, an in-doubt item) updates the one row and never adds a second. Returns <c>contacts/{id}</c>.
/// </summary>
public sealed class PlatformContactsLoader : ILoader<ContactRecord>
{
    private readonly DbContextOptions<PlatformDbContext> options;
    private readonly TimeProvider time;
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly bool serialize;

    private PlatformContactsLoader(StoreLocation location, TimeProvider time)
    {
        options = StoreContextFactory.CreateOptions<PlatformDbContext>(location);
        this.time = time;
        serialize = location.Provider == StoreProvider.Sqlite;
    }

    /// <summary>Opens the store, creating the contact tables when missing.</summary>
    /// <exception cref="StoreSchemaException">The database holds another schema version.</exception>
    public static async Task<PlatformContactsLoader> OpenAsync(StoreLocation location, TimeProvider time, CancellationToken cancellationToken)
    {
        var loader = new PlatformContactsLoader(location, time);
        await using var db = loader.CreateContext();
        await SchemaBootstrap.EnsureAsync(db, PlatformDbContext.Component, PlatformDbContext.SchemaVersion, cancellationToken);
        return loader;
    }

    public async Task<IReadOnlyList<LoadOutcome>> LoadAsync(string account, IReadOnlyList<LoadRequest<ContactRecord>> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (serialize)
        {
            await gate.WaitAsync(cancellationToken);
        }

        try
        {
            await using var db = CreateContext();
            var ids = batch.Select(r => r.Item.SourceNativeId).Distinct().ToList();
            var system = batch.Count > 0 ? batch[0].Item.SourceSystem : string.Empty;
            var existing = await db.Contacts
                .Where(c => c.SourceSystem == system && c.OwnerAccount == account && ids.Contains(c.SourceNativeId))
                .ToDictionaryAsync(c => c.SourceNativeId, StringComparer.Ordinal, cancellationToken);
            var now = time.GetUtcNow().UtcDateTime;
            var rows = new List<ContactEntity>(batch.Count);
            foreach (var request in batch)
            {
                var contact = request.Item;
                if (contact.SourceSystem != system || contact.OwnerAccount != account)
                {
                    throw new InvalidOperationException("a contacts batch must hold one source system and one account");
                }

                if (!existing.TryGetValue(contact.SourceNativeId, out var row))
                {
                    row = new ContactEntity
                    {
                        SourceSystem = contact.SourceSystem,
                        OwnerAccount = contact.OwnerAccount,
                        SourceNativeId = contact.SourceNativeId,
                        ContentHash = contact.ContentHash,
                        SourceLocation = contact.SourceLocation,
                        DisplayName = contact.DisplayName,
                        CreatedUtc = now,
                    };
                    db.Contacts.Add(row);
                    existing[contact.SourceNativeId] = row;
                }

                Apply(row, contact, now);
                rows.Add(row);
            }

            await db.SaveChangesAsync(cancellationToken);
            return [.. rows.Select(r => LoadOutcome.Loaded($"contacts/{r.Id}"))];
        }
        finally
        {
            if (serialize)
            {
                gate.Release();
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        gate.Dispose();
        return ValueTask.CompletedTask;
    }

    internal PlatformDbContext CreateContext() => new(options);

    private static void Apply(ContactEntity row, ContactRecord contact, DateTime now)
    {
        var o = contact.Original;
        row.OwnerTarget = contact.OwnerTarget;
        row.ContentHash = contact.ContentHash;
        row.SourceLocation = contact.SourceLocation;
        row.DisplayName = contact.DisplayName;
        row.Name = o.Name;
        row.Kana = o.Kana;
        row.KanaNormalized = contact.KanaNormalized;
        row.Email = o.Email;
        row.EmailNormalized = contact.EmailNormalized;
        row.Organization = o.Organization;
        row.Department = o.Department;
        row.Title = o.Title;
        row.Phone1 = o.Phone1;
        row.Phone1E164 = contact.Phone1E164;
        row.Phone2 = o.Phone2;
        row.Phone2E164 = contact.Phone2E164;
        row.Phone3 = o.Phone3;
        row.Phone3E164 = contact.Phone3E164;
        row.Fax = o.Fax;
        row.FaxE164 = contact.FaxE164;
        row.PostalCode = o.PostalCode;
        row.PostalCodeNormalized = contact.PostalCodeNormalized;
        row.Prefecture = o.Prefecture;
        row.City = o.City;
        row.Street = o.Street;
        row.Url = o.Url;
        row.Memo = o.Memo;
        row.Gaiji = contact.Gaiji;
        row.HasUnmappedGaiji = contact.HasUnmappedGaiji;
        row.UpdatedUtc = now;
    }
}
