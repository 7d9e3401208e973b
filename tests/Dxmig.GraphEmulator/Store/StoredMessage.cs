using System.Text.Json.Nodes;
using MimeKit;

namespace Dxmig.GraphEmulator;

/// <summary>A message as stored, with every property the emulator keeps. <see cref="Properties"/> is a copy of the
/// client-set Graph properties (subject, body, recipients, flag, categories, …) for anything not lifted out here.</summary>
public sealed record StoredMessage(
    string Id,
    string ParentFolderId,
    bool IsDraft,
    bool IsRead,
    DateTimeOffset CreatedDateTime,
    DateTimeOffset LastModifiedDateTime,
    DateTimeOffset ReceivedDateTime,
    DateTimeOffset SentDateTime,
    string? Subject,
    string? InternetMessageId,
    string? BodyContentType,
    string? BodyContent,
    string? Importance,
    string? FlagStatus,
    IReadOnlyList<string> Categories,
    IReadOnlyList<KeyValuePair<string, string>> InternetMessageHeaders,
    IReadOnlyDictionary<string, string> ExtendedProperties,
    IReadOnlyList<StoredAttachment> Attachments,
    byte[]? Mime,
    JsonObject Properties)
{
    /// <summary>
    /// The MIME Exchange serves for <c>GET /messages/{id}/$value</c> of a message created from JSON: rendered anew from
    /// its properties (sender, recipients, subject, the one body, attachments, the internet headers it kept), not the
    /// bytes a client had — so a signature over the original bytes (S/MIME multipart/signed) cannot survive.
    /// </summary>
    public byte[] RenderMime()
    {
        if (Mime is not null)
        {
            return Mime;
        }

        var message = new MimeMessage();
        foreach (var (field, value) in InternetMessageHeaders)
        {
            // The structure headers are Exchange's own, written for the body it renders.
            if (!field.StartsWith("Content-", StringComparison.OrdinalIgnoreCase) && !field.Equals("MIME-Version", StringComparison.OrdinalIgnoreCase))
            {
                message.Headers.Add(field, value);
            }
        }

        AddAddresses(message.From, Properties["from"]);
        foreach (var (list, name) in new[] { (message.To, "toRecipients"), (message.Cc, "ccRecipients") })
        {
            foreach (var recipient in (Properties[name] as JsonArray) ?? [])
            {
                AddAddresses(list, recipient);
            }
        }

        message.Subject = Subject ?? string.Empty;
        message.Date = SentDateTime;
        message.MessageId = InternetMessageId?.Trim('<', '>') ?? MimeKit.Utils.MimeUtils.GenerateMessageId();
        var body = new TextPart(string.Equals(BodyContentType, "html", StringComparison.OrdinalIgnoreCase) ? "html" : "plain") { Text = BodyContent ?? string.Empty };
        if (Attachments.Count == 0)
        {
            message.Body = body;
        }
        else
        {
            var mixed = new Multipart("mixed") { body };
            foreach (var a in Attachments)
            {
                mixed.Add(new MimePart(ContentType.Parse(a.ContentType))
                {
                    FileName = a.Name,
                    Content = new MimeContent(new MemoryStream(a.Bytes)),
                    ContentTransferEncoding = ContentEncoding.Base64,
                });
            }

            message.Body = mixed;
        }

        using var stream = new MemoryStream();
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        message.WriteTo(options, stream);
        return stream.ToArray();

        static void AddAddresses(InternetAddressList list, JsonNode? recipient)
        {
            if (recipient?["emailAddress"] is { } address && address["address"]?.GetValue<string>() is { } email)
            {
                list.Add(new MailboxAddress(address["name"]?.GetValue<string>() ?? string.Empty, email));
            }
        }
    }

    /// <summary>An extended property's value by id in any accepted spelling, or null.</summary>
    public string? ExtendedProperty(string id)
    {
        var parsed = ExtendedPropertyId.TryParse(id) ?? throw new ArgumentException($"Not an extended property id: {id}", nameof(id));
        return ExtendedProperties.TryGetValue(parsed.Canonical, out var v) ? v : null;
    }
}
