using Dxmig.Jobs.Common;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Dxmig.Extractors.AddressBook;
using Dxmig.Loaders.Graph;
using Dxmig.Loaders.PlatformStore;
using Dxmig.Contracts;
using Dxmig.Platform.Reconciliation;
using Dxmig.Transformers.AddressBook;
using Microsoft.Extensions.Logging;

namespace Dxmig.Jobs.AddressBook;

/// <summary>
/// Address books: the export read again through the run's own extractor and transformer (so a row is what the run
/// would load), against the platform store's <c>contacts</c> rows or the owner's Outlook contact folder on Graph, field
/// by field. Matched by the contact's natural key (name and mail address): on Graph through dxmig's source-key property.
/// </summary>
public sealed class AddressBookReconciler : IReconciler
{
    private const string Container = AddressBookCsvExtractor.Container;

    private readonly AddressBookJobSettings settings;
    private readonly AddressBookCsvExtractor extractor;
    private readonly AddressBookTransformer transformer;
    private readonly ReconcileTarget target;

    public AddressBookReconciler(AddressBookJobSettings settings, Dxmig.Platform.JobFiles.JobFile job, ILoggerFactory loggers, TimeProvider time)
    {
        this.settings = settings;
        extractor = new AddressBookCsvExtractor(new AddressBookSourceOptions(settings.Files, settings.Encoding, settings.FieldMap), loggers.CreateLogger<AddressBookCsvExtractor>());
        transformer = new AddressBookTransformer(settings.Identities, settings.Gaiji);
        SourceDescription = $"Active! Mail アドレス帳 CSV / address-book exports ({settings.Files.Count})";
        target = ReconcileTarget.Open(settings.Graph, settings.Store, settings.StorePassword, job, loggers, time);
        TargetDescription = target.Session is { } session
            ? $"Microsoft Graph {session.Options.BaseUrl} ({session.Options.ContactFolderName})"
            : $"platform store contacts ({target.Store!.Location.ProviderName})";
    }

    public string SourceDescription { get; }

    public string TargetDescription { get; }

    public IReadOnlyList<string> Compared => ["fields"];

    public long Requests => target.Requests;

    public async IAsyncEnumerable<ReconItem> ReadSourceAsync(string account, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var item in extractor.ExtractAsync(account, new ExtractContext(NoCheckpoints.Instance), cancellationToken))
        {
            var targets = item.Problem is null ? transformer.Transform(item).Targets : [];
            var contact = targets.Count > 0 ? targets[0] : null;
            yield return new ReconItem(Container, Identity(item.Key.ToString()))
            {
                Location = item.Location,
                Size = item.Size,
                Ref = item.Key.Ref,
                Fields = contact is null ? null : target.Graph is null ? PlatformContactsLoader.Fields(contact) : Flatten(GraphContactsLoader.Json(contact, item.Key.ToString())),
            };
        }
    }

    public IAsyncEnumerable<ReconItem> ReadTargetAsync(string account, CancellationToken cancellationToken) =>
        target.Graph is null ? ReadStoreAsync(account, cancellationToken) : ReadGraphAsync(account, cancellationToken);

    public ValueTask DisposeAsync()
    {
        target.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>A contact's identity: its source key without the version (the row hash), so a changed row is a field difference.</summary>
    private static string Identity(string sourceKey)
    {
        var at = sourceKey.LastIndexOf('@');
        return at < 0 ? sourceKey : sourceKey[..at];
    }

    /// <summary>A contact's JSON as <c>path → text</c>, the extended properties left out (they are compared as the identity).</summary>
    private static Dictionary<string, string> Flatten(ReadOnlySpan<byte> json)
    {
        using var document = JsonDocument.Parse(json.ToArray());
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        Flatten(document.RootElement, string.Empty, fields);
        return fields;
    }

    private static void Flatten(JsonElement element, string path, Dictionary<string, string> fields)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Name is "singleValueExtendedProperties" or "id" or "@odata.etag" or "@odata.context" || property.Name == "name" && path.StartsWith("emailAddresses", StringComparison.Ordinal))
                    {
                        continue;
                    }

                    Flatten(property.Value, path.Length == 0 ? property.Name : $"{path}.{property.Name}", fields);
                }

                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var entry in element.EnumerateArray())
                {
                    Flatten(entry, $"{path}[{i++}]", fields);
                }

                break;
            case JsonValueKind.Null:
                fields[path] = string.Empty;
                break;
            default:
                fields[path] = element.ValueKind == JsonValueKind.String ? element.GetString()! : element.GetRawText();
                break;
        }
    }

    private async IAsyncEnumerable<ReconItem> ReadStoreAsync(string account, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var row in target.Store!.ContactsAsync(AddressBookCsvExtractor.SystemName, account, cancellationToken))
        {
            var id = row.Id;
            yield return new ReconItem(Container, $"{AddressBookCsvExtractor.SystemName}:{account}/{Container}/{row.SourceNativeId}")
            {
                Location = $"contacts/{id} ({row.SourceLocation})",
                Fields = PlatformContactsLoader.Fields(row),
                TargetKey = $"contacts/{id}",
            };
        }
    }

    private async IAsyncEnumerable<ReconItem> ReadGraphAsync(string account, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var mailbox = settings.Identities?.TargetOf(account) ?? account;
        var user = "/users/" + Uri.EscapeDataString(mailbox);
        var name = target.Session!.Options.ContactFolderName;
        var filter = Uri.EscapeDataString($"displayName eq '{name.Replace("'", "''", StringComparison.Ordinal)}'");
        await foreach (var folder in target.Graph!.ListAsync(mailbox, $"{user}/contactFolders?$filter={filter}&$select=id,displayName", cancellationToken))
        {
            var id = folder.GetProperty("id").GetString()!;
            var select = "id,displayName,fileAs,surname,givenName,yomiSurname,yomiGivenName,emailAddresses,companyName,department,jobTitle," +
                         "businessPhones,mobilePhone,businessAddress,businessHomePage,personalNotes";
            var path = $"{user}/contactFolders/{Uri.EscapeDataString(id)}/contacts?$select={select}&{GraphReader.Expand(GraphMessageBuilder.SourceKeyProperty)}&$top=1000";
            await foreach (var contact in target.Graph.ListAsync(mailbox, path, cancellationToken))
            {
                var contactId = contact.GetProperty("id").GetString()!;
                var sourceKey = GraphReader.Extended(contact, GraphMessageBuilder.SourceKeyProperty);
                yield return new ReconItem(Container, sourceKey is null ? GraphContactsLoader.TargetKey(contactId) : Identity(sourceKey))
                {
                    Location = GraphContactsLoader.TargetKey(contactId),
                    Fields = Flatten(System.Text.Encoding.UTF8.GetBytes(contact.GetRawText())),
                    TargetKey = GraphContactsLoader.TargetKey(contactId),
                    Ours = sourceKey is not null,
                };
            }
        }
    }
}
