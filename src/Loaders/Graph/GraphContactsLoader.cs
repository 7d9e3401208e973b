using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json;
using Dxmig.Contracts;
using Dxmig.Contracts.Records;
using Microsoft.Extensions.Logging;

namespace Dxmig.Loaders.Graph;

/// <summary>
/// Loads Active! Mail address-book entries into the owner's Outlook contacts, in a contact folder named for their
/// origin (<see cref="GraphTargetOptions.ContactFolderName"/>). Idempotent like the mail loader: each contact carries its
/// source key in a named extended property and an item in doubt is looked up by it first; a changed row updates the
/// contact the ledger recorded (PATCH) instead of adding one. Names and kana are split at the first space into surname
/// and given name (Japanese order) for Outlook's sorting and ふりがな; the original name stays the display name.
/// A removal deletes the contact the ledger recorded (see <see cref="RemoveAsync"/>). Target key: <c>graph-contact:{id}</c>.
/// </summary>
public sealed class GraphContactsLoader : GraphLoaderBase, ILoader<ContactRecord>
{
    public const string FaxProperty = "String 0x3A24";

    private readonly ConcurrentDictionary<string, Lazy<Task<string>>> folders = new(StringComparer.OrdinalIgnoreCase);

    public GraphContactsLoader(GraphTargetOptions options, ILogger<GraphContactsLoader> logger, TimeProvider? time = null)
        : this(new GraphSession(options), logger, time ?? TimeProvider.System, ownsSession: true)
    {
    }

    public GraphContactsLoader(GraphSession session, ILogger logger, TimeProvider time, bool ownsSession = false)
        : base(session, logger, time, ownsSession)
    {
    }

    public async Task<IReadOnlyList<LoadOutcome>> LoadAsync(string account, IReadOnlyList<LoadRequest<ContactRecord>> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var outcomes = new LoadOutcome?[batch.Count];
        foreach (var group in Enumerable.Range(0, batch.Count).GroupBy(i => batch[i].Item.OwnerTarget ?? batch[i].Item.OwnerAccount, StringComparer.OrdinalIgnoreCase))
        {
            var mailbox = group.Key;
            var user = "/users/" + Uri.EscapeDataString(mailbox);
            var removals = group.Where(i => batch[i].Removal).ToList();
            if (removals.Count > 0)
            {
                await RemoveAsync(mailbox, user, batch, removals, outcomes, cancellationToken);
                if (removals.Count == group.Count())
                {
                    continue;
                }
            }

            var folder = await FolderAsync(mailbox, user, cancellationToken);
            var contacts = $"{user}/contactFolders/{Uri.EscapeDataString(folder)}/contacts";

            // In doubt: look first. Found → done (and updated if the row changed since).
            var doubtful = group.Where(i => !batch[i].Removal && batch[i].InDoubt && batch[i].PreviousTargetKey is null).ToList();
            var lookups = await Engine.RunAsync(mailbox, [.. doubtful.Select(i => new GraphOperation("GET", contacts + LookupQuery(batch[i].Key.ToString())))], cancellationToken);
            var existing = new Dictionary<int, string>();
            for (var k = 0; k < doubtful.Count; k++)
            {
                if (lookups[k].IsDone && lookups[k].Body.GetProperty("value").EnumerateArray().FirstOrDefault() is { ValueKind: JsonValueKind.Object } found)
                {
                    existing[doubtful[k]] = found.GetProperty("id").GetString()!;
                }
                else if (!lookups[k].IsDone)
                {
                    throw new AccountFailedException($"移行先の連絡先を確認できません: {lookups[k].Reason}", $"cannot look for existing contacts: {lookups[k].Reason}");
                }
            }

            var operations = new List<(int Index, GraphOperation Operation, string? Id)>();
            foreach (var i in group.Where(i => !batch[i].Removal))
            {
                var request = batch[i];
                var id = existing.TryGetValue(i, out var e) ? e : Id(request.PreviousTargetKey);
                var json = Json(request.Item, request.Key.ToString());
                operations.Add(id is null
                    ? (i, new GraphOperation("POST", contacts, json), null)
                    : (i, new GraphOperation("PATCH", $"{user}/contacts/{Uri.EscapeDataString(id)}", json), id));
            }

            var answers = await Engine.RunAsync(mailbox, [.. operations.Select(o => o.Operation)], cancellationToken);
            for (var k = 0; k < operations.Count; k++)
            {
                var (index, operation, id) = operations[k];
                var answer = answers[k];
                outcomes[index] = answer.Kind switch
                {
                    GraphOutcomeKind.Done => LoadOutcome.Loaded(TargetKey(id ?? answer.Property("id")!)),
                    GraphOutcomeKind.InDoubt => throw new AccountFailedException(
                        "連絡先の作成に応答がありません (次の実行で確認して再開します)", "a contact create got no answer (the next run looks it up and resumes)"),
                    _ when operation.Method == "PATCH" && answer.Status == 404 => LoadOutcome.Refused(ItemProblem.Skip(
                        ItemProblem.TargetDeleted, "移行先で連絡先が削除されているため更新しません", "the contact was deleted on the target; not updated")),
                    _ => LoadOutcome.Refused(ItemProblem.Quarantine("target-refused", $"移行先が連絡先を拒否しました: {answer.Reason}", $"the target refused the contact: {answer.Reason}")),
                };
            }

            Logger.LogDebug("{Count} contacts written to {Mailbox}", operations.Count, mailbox);
        }

        return [.. outcomes.Select(o => o!.Value)];
    }

    public static string TargetKey(string id) => "graph-contact:" + id;

    /// <summary>
    /// Contacts gone from the export: the contact dxmig created (the ledger's target key) is deleted, also when its
    /// owner edited it in Outlook since (the export is the source, as for updates, which overwrite such edits too); one
    /// the owner already deleted (404) is no failure. A removal whose contact the ledger never learned (a create in
    /// doubt when the row went) cannot be found by id: it is skipped (<c>target-unknown</c>) for a person to look at.
    /// </summary>
    private async Task RemoveAsync(string mailbox, string user, IReadOnlyList<LoadRequest<ContactRecord>> batch, List<int> removals, LoadOutcome?[] outcomes, CancellationToken cancellationToken)
    {
        var known = removals.Where(i => Id(batch[i].PreviousTargetKey) is not null).ToList();
        foreach (var i in removals.Except(known))
        {
            outcomes[i] = LoadOutcome.Refused(ItemProblem.Skip(
                "target-unknown",
                "移行先の連絡先 ID が記録にないため削除できません (Outlook で確認してください)",
                "the ledger holds no id of the contact on the target, so it cannot be deleted (check in Outlook)"));
        }

        var answers = await Engine.RunAsync(
            mailbox, [.. known.Select(i => new GraphOperation("DELETE", $"{user}/contacts/{Uri.EscapeDataString(Id(batch[i].PreviousTargetKey)!)}"))], cancellationToken);
        for (var k = 0; k < known.Count; k++)
        {
            var answer = answers[k];
            outcomes[known[k]] = answer.IsDone
                ? LoadOutcome.Loaded(batch[known[k]].PreviousTargetKey!)
                : throw new AccountFailedException(
                    $"移行先の連絡先を削除できません: {answer.Reason}", $"cannot delete a contact on the target: {answer.Reason}");
        }

        Logger.LogDebug("{Count} contacts removed from {Mailbox}", known.Count, mailbox);
    }

    private static string? Id(string? targetKey) =>
        targetKey is not null && targetKey.StartsWith("graph-contact:", StringComparison.Ordinal) ? targetKey["graph-contact:".Length..] : null;

    private static string LookupQuery(string sourceKey) => GraphMailLoader.SourceKeyFilter(sourceKey) + "&$select=id";

    private Task<string> FolderAsync(string mailbox, string user, CancellationToken cancellationToken) =>
        folders.GetOrAdd(mailbox, _ => new Lazy<Task<string>>(async () =>
        {
            var name = Session.Options.ContactFolderName;
            var filter = $"{user}/contactFolders?$filter={Uri.EscapeDataString($"displayName eq '{name.Replace("'", "''", StringComparison.Ordinal)}'")}&$select=id,displayName";
            for (var attempt = 0; attempt < 3; attempt++)
            {
                var list = await Engine.RunAsync(mailbox, new GraphOperation("GET", filter), cancellationToken);
                if (!list.IsDone)
                {
                    folders.TryRemove(mailbox, out Lazy<Task<string>>? _);
                    throw new AccountFailedException(
                        $"移行先 {mailbox} の連絡先フォルダを読めません: {list.Reason}", $"cannot read the contact folders of {mailbox}: {list.Reason}");
                }

                if (list.Body.GetProperty("value").EnumerateArray().FirstOrDefault() is { ValueKind: JsonValueKind.Object } found)
                {
                    return found.GetProperty("id").GetString()!;
                }

                var created = await Engine.RunAsync(mailbox, new GraphOperation("POST", $"{user}/contactFolders", JsonSerializer.SerializeToUtf8Bytes(new { displayName = name })), cancellationToken);
                if (created.IsDone && created.Property("id") is { } id)
                {
                    return id;
                }
            }

            folders.TryRemove(mailbox, out Lazy<Task<string>>? _);
            throw new AccountFailedException($"連絡先フォルダ '{name}' を作れません", $"cannot create the contact folder '{name}'");
        })).Value;

    /// <summary>The contact's JSON: every field the address book has, the source key and hash as named properties.</summary>
    public static byte[] Json(ContactRecord contact, string sourceKey)
    {
        ArgumentNullException.ThrowIfNull(contact);
        var original = contact.Original;
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, GraphMessageBuilder.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("displayName", contact.DisplayName);
            writer.WriteString("fileAs", contact.DisplayName);
            var (surname, given) = Split(contact.DisplayName);
            writer.WriteString("surname", surname);
            writer.WriteString("givenName", given);
            var (yomiSurname, yomiGiven) = Split(contact.KanaNormalized ?? original.Kana);
            writer.WriteString("yomiSurname", yomiSurname);
            writer.WriteString("yomiGivenName", yomiGiven);
            writer.WriteStartArray("emailAddresses");
            if ((contact.EmailNormalized ?? original.Email) is { Length: > 0 } email)
            {
                writer.WriteStartObject();
                writer.WriteString("name", contact.DisplayName);
                writer.WriteString("address", email);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteString("companyName", original.Organization);
            writer.WriteString("department", original.Department);
            writer.WriteString("jobTitle", original.Title);
            writer.WriteStartArray("businessPhones");
            foreach (var phone in new[] { contact.Phone1E164 ?? original.Phone1, contact.Phone2E164 ?? original.Phone2 }.Where(p => p.Length > 0))
            {
                writer.WriteStringValue(phone);
            }

            writer.WriteEndArray();
            writer.WriteString("mobilePhone", contact.Phone3E164 ?? original.Phone3);
            writer.WriteStartObject("businessAddress");
            writer.WriteString("postalCode", contact.PostalCodeNormalized ?? original.PostalCode);
            writer.WriteString("state", original.Prefecture);
            writer.WriteString("city", original.City);
            writer.WriteString("street", original.Street);
            writer.WriteString("countryOrRegion", "日本");
            writer.WriteEndObject();
            writer.WriteString("businessHomePage", original.Url);
            writer.WriteString("personalNotes", contact.Gaiji is null ? original.Memo : $"{original.Memo}\n(外字 / private-use characters: {contact.Gaiji})".TrimStart('\n'));
            writer.WriteStartArray("singleValueExtendedProperties");
            GraphMessageBuilder.Property(writer, GraphMessageBuilder.SourceKeyProperty, sourceKey);
            GraphMessageBuilder.Property(writer, GraphMessageBuilder.Sha256Property, contact.ContentHash);
            if ((contact.FaxE164 ?? original.Fax) is { Length: > 0 } fax)
            {
                GraphMessageBuilder.Property(writer, FaxProperty, fax);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static (string Family, string Given) Split(string name)
    {
        var trimmed = name.Trim();
        var space = trimmed.IndexOfAny([' ', '　']);
        return space < 0 ? (trimmed, string.Empty) : (trimmed[..space], trimmed[(space + 1)..].Trim());
    }
}
