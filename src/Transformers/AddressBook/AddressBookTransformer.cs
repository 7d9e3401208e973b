using System.Net.Mail;
using Dxmig.Contracts;
using Dxmig.Contracts.Mappings;
using Dxmig.Contracts.Records;
using Dxmig.Transformers.Text;

namespace Dxmig.Transformers.AddressBook;

/// <summary>
/// An address-book row → a contact: kana, phone numbers, mail address and postal code normalised beside the original
/// text, 外字 found and mapped for display, the owner's target address from the identity map. A malformed mail
/// address quarantines the row (the contact could not be written to Outlook later). A removal passes through with
/// the contact's key and owner alone.
/// </summary>
public sealed class AddressBookTransformer(IdentityMap? identities, GaijiMap gaiji) : ITransformer<AddressBookEntry, ContactRecord>
{
    /// <exception cref="AccountFailedException">The account is not in the identity map.</exception>
    public TransformResult<ContactRecord> Transform(SourceItem<AddressBookEntry> item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var entry = item.Payload ?? throw new ArgumentException("an item without payload cannot be transformed", nameof(item));
        var owner = identities?.TargetOf(item.Key.Account);
        if (item.Removal)
        {
            // A contact gone from the export: its key and owner are all the loaders need to remove it.
            return TransformResult<ContactRecord>.Load(new ContactRecord
            {
                OwnerAccount = item.Key.Account, OwnerTarget = owner, SourceSystem = item.Key.System, SourceNativeId = item.Key.NativeId,
                ContentHash = item.ContentHash, SourceLocation = item.Location, Original = entry, DisplayName = string.Empty,
            });
        }

        var email = JapaneseNormalizer.Email(entry.Email);
        if (email is not null && (!MailAddress.TryCreate(email, out var parsed) || parsed.Address != email || email.Contains(' ', StringComparison.Ordinal)))
        {
            return TransformResult<ContactRecord>.Quarantine(
                "bad-email",
                $"行 {entry.Line}: メールアドレス '{entry.Email}' の形式が正しくありません",
                $"line {entry.Line}: mail address '{entry.Email}' is not valid");
        }

        var display = gaiji.Apply(entry.Name.Trim(), out _);
        var unmapped = entry.Fields().Any(gaiji.HasUnmapped);
        return TransformResult<ContactRecord>.Load(new ContactRecord
        {
            OwnerAccount = item.Key.Account,
            OwnerTarget = owner,
            SourceSystem = item.Key.System,
            SourceNativeId = item.Key.NativeId,
            ContentHash = item.ContentHash,
            SourceLocation = item.Location,
            Original = entry,
            DisplayName = display,
            KanaNormalized = JapaneseNormalizer.Kana(entry.Kana),
            EmailNormalized = email,
            Phone1E164 = JapaneseNormalizer.PhoneE164(entry.Phone1),
            Phone2E164 = JapaneseNormalizer.PhoneE164(entry.Phone2),
            Phone3E164 = JapaneseNormalizer.PhoneE164(entry.Phone3),
            FaxE164 = JapaneseNormalizer.PhoneE164(entry.Fax),
            PostalCodeNormalized = JapaneseNormalizer.PostalCode(entry.PostalCode),
            Gaiji = JapaneseNormalizer.Gaiji(entry.Fields()),
            HasUnmappedGaiji = unmapped,
        });
    }
}
