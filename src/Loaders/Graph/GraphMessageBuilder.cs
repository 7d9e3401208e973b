using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Dxmig.Contracts.Records;
using Dxmig.Contracts.Text;
using MimeKit;

namespace Dxmig.Loaders.Graph;

/// <summary>
/// Turns a message's MIME into the JSON of a Graph message create, so that it appears in Outlook as the mail it was:
/// received and not a draft (PR_MESSAGE_FLAGS set at creation: read bit from \Seen, unsent bit only for \Draft),
/// received and sent times (PR_MESSAGE_DELIVERY_TIME from INTERNALDATE, PR_CLIENT_SUBMIT_TIME from Date:), the whole
/// original header block as its internet headers (PR_TRANSPORT_MESSAGE_HEADERS), answered/forwarded state
/// (PR_LAST_VERB_EXECUTED, PR_ICON_INDEX), read and flagged state, categories from IMAP keywords, every keyword in a
/// named property, the body (HTML preferred), recipients, and every attachment. dxmig's source key and the source
/// SHA-256 go into named extended properties: the source key is how a message in doubt is found again.
/// Attachments that fit go into the create itself; the rest follow (POST under 3 MB, upload session above) and the
/// message carries a "pending" mark until they are all there.
/// </summary>
public sealed class GraphMessageBuilder(GraphTargetOptions options)
{
    /// <summary>dxmig's property set for its named extended properties.</summary>
    public const string PropertySet = "{6f1b7c2a-3e4d-4a5b-8c9d-0e1f2a3b4c5d}";

    public const string SourceKeyProperty = "String " + PropertySet + " Name dxmigSourceKey";
    public const string Sha256Property = "String " + PropertySet + " Name dxmigSha256";
    public const string KeywordsProperty = "String " + PropertySet + " Name dxmigKeywords";
    public const string PendingProperty = "String " + PropertySet + " Name dxmigPending";
    public const string MessageFlagsProperty = "Integer 0x0E07";
    public const string DeliveryTimeProperty = "SystemTime 0x0E06";
    public const string SubmitTimeProperty = "SystemTime 0x0039";
    public const string TransportHeadersProperty = "String 0x007D";
    public const string LastVerbProperty = "Integer 0x1081";
    public const string IconIndexProperty = "Integer 0x1080";

    /// <summary>The "pending" mark's value once every attachment is on the message.</summary>
    public const string Complete = "complete";

    private const int MessageFlagRead = 0x1;
    private const int MessageFlagUnsent = 0x8;

    /// <summary>Keywords that are IMAP bookkeeping rather than a user's label: kept in the property, not as categories.</summary>
    private static readonly HashSet<string> NotCategories = new(StringComparer.OrdinalIgnoreCase) { "Junk", "NonJunk", "Forwarded", "MDNSent", "NotJunk" };

    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Builds the create request; the content stream stays open in the result until it is disposed.</summary>
    /// <exception cref="GraphMessageException">The message cannot be represented within Graph's limits.</exception>
    public BuiltMessage Build(TargetMessage message, string sourceKey)
    {
        ArgumentNullException.ThrowIfNull(message);
        JapaneseEncodings.EnsureRegistered();
        var stream = message.OpenTargetStream();
        try
        {
            MimeMessage mime;
            try
            {
                // A zero-length message (they exist) becomes an empty one, with its dates and flags.
                mime = message.TargetLength == 0 ? Empty() : new MimeParser(ParserOptions.Default, stream, persistent: true).ParseMessage();
            }
            catch (FormatException ex)
            {
                throw new GraphMessageException("mime-unreadable", $"MIME として読めません: {ex.Message}", $"not readable as MIME: {ex.Message}");
            }

            var body = BodyPart(mime);
            var attachments = Attachments(mime, body);
            var inline = new List<GraphAttachment>();
            var later = new List<GraphAttachment>();
            // The body text and the header block are decoded once: for the size budget here and for the JSON below.
            var bodyText = Text(body) ?? string.Empty;
            var headers = HeaderBlock(message);
            var budget = options.MaxRequestBytes - 16 * 1024 - Encoding.UTF8.GetMaxByteCount(bodyText.Length) / 2 - headers.Length * 2;
            foreach (var attachment in attachments.OrderBy(a => a.Size))
            {
                var cost = Base64Length(attachment.Size) + attachment.Name.Length * 3 + 256;
                if (attachment.Size < options.UploadSessionFrom && cost <= budget)
                {
                    inline.Add(attachment);
                    budget -= cost;
                }
                else
                {
                    later.Add(attachment);
                }
            }

            var json = Json(message, mime, body?.IsHtml == true, bodyText, headers, inline, later.Count, sourceKey, options.NameMessagesWithoutId);
            if (json.Length > options.MaxRequestBytes)
            {
                throw new GraphMessageException(
                    "too-large-for-graph-request",
                    $"本文とヘッダーだけで {json.Length:N0} バイトとなり、Graph の要求の上限 (4 MB) を超えます",
                    $"the body and headers alone take {json.Length:N0} bytes, over Graph's 4 MB request limit");
            }

            return new BuiltMessage(json, later, stream);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private static MimeMessage Empty()
    {
        var empty = new MimeMessage();
        empty.Headers.Clear(); // no invented Date or Message-ID
        return empty;
    }

    /// <summary>The JSON of one attachment for <c>POST …/attachments</c>.</summary>
    public static byte[] AttachmentJson(GraphAttachment attachment)
    {
        ArgumentNullException.ThrowIfNull(attachment);
        var buffer = new ArrayBufferWriter<byte>(Base64Length(attachment.Size) + 512);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            WriteAttachment(writer, attachment);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The JSON of a flags update (<c>PATCH</c>): read, flagged, categories and keywords.</summary>
    public static byte[] FlagsJson(TargetMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            WriteFlags(writer, message);
            writer.WriteStartArray("singleValueExtendedProperties");
            Property(writer, KeywordsProperty, string.Join(' ', message.Keywords));
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The whole original header block as text (the repaired one when headers were repaired).</summary>
    public static string HeaderBlock(TargetMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var head = message.HeaderOverride ?? message.Content?.Prefix.ToArray() ?? [];
        var length = MailHeaderBlock.Length(head);
        var bytes = length > 0 ? head.AsSpan(0, length) : head.AsSpan();
        if (!MailHeaderBlock.Has8Bit(bytes))
        {
            return Encoding.ASCII.GetString(bytes);
        }

        try
        {
            return JapaneseEncodings.StrictUtf8().GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return Encoding.GetEncoding(JapaneseEncodings.Cp932CodePage).GetString(bytes);
        }
    }

    private static int Base64Length(long bytes) => (int)Math.Min(int.MaxValue, (bytes + 2) / 3 * 4);

    private static TextPart? BodyPart(MimeMessage mime)
    {
        TextPart? text = null;
        foreach (var part in mime.BodyParts.OfType<TextPart>())
        {
            if (part.IsAttachment)
            {
                continue;
            }

            if (part.IsHtml)
            {
                return part;
            }

            text ??= part.IsPlain ? part : null;
        }

        return text;
    }

    private static string? Text(TextPart? part)
    {
        if (part is null)
        {
            return null;
        }

        try
        {
            return part.Text;
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or DecoderFallbackException)
        {
            // An unknown or wrong charset: Active! Mail's Japanese mail is most often CP932 underneath.
            return part.GetText(Encoding.GetEncoding(JapaneseEncodings.Cp932CodePage));
        }
    }

    /// <summary>Every part that is not the body or an alternative view of it, as an attachment.</summary>
    private static List<GraphAttachment> Attachments(MimeMessage mime, TextPart? body)
    {
        var alternatives = new HashSet<MimeEntity>();
        foreach (var alternative in Descendants(mime.Body).OfType<MultipartAlternative>())
        {
            if (body is not null && Descendants(alternative).Contains(body))
            {
                foreach (var view in alternative.OfType<TextPart>())
                {
                    alternatives.Add(view);
                }
            }
        }

        var list = new List<GraphAttachment>();
        var number = 0;
        foreach (var entity in mime.BodyParts)
        {
            if (ReferenceEquals(entity, body) || alternatives.Contains(entity))
            {
                continue;
            }

            number++;
            switch (entity)
            {
                case MessagePart { Message: { } inner } rfc822:
                    {
                        using var memory = new MemoryStream();
                        inner.WriteTo(memory);
                        var bytes = memory.ToArray();
                        var name = rfc822.ContentDisposition?.FileName ?? $"{Clean(inner.Subject) ?? $"message{number}"}.eml";
                        list.Add(new GraphAttachment(name, "message/rfc822", false, null, bytes.Length, () => new MemoryStream(bytes, writable: false)));
                        break;
                    }

                case MimePart { Content: { } content } part:
                    {
                        var size = DecodedLength(content);
                        var name = part.FileName ?? $"attachment{number}{Extension(part.ContentType.MimeType)}";
                        var isInline = part.ContentDisposition?.Disposition == ContentDisposition.Inline && part.ContentId is not null;
                        list.Add(new GraphAttachment(name, part.ContentType.MimeType, isInline, part.ContentId, size, () => Decoded(content, size)));
                        break;
                    }
            }
        }

        return list;
    }

    private static IEnumerable<MimeEntity> Descendants(MimeEntity? entity)
    {
        if (entity is null)
        {
            yield break;
        }

        yield return entity;
        if (entity is Multipart multipart)
        {
            foreach (var child in multipart.SelectMany(Descendants))
            {
                yield return child;
            }
        }
    }

    private static long DecodedLength(IMimeContent content)
    {
        using var counter = new CountingStream();
        content.DecodeTo(counter);
        return counter.Length;
    }

    /// <summary>
    /// The decoded bytes: in memory up to 4 MB (they go into a request as base64 anyway), above that in an owner-only
    /// temporary file deleted when closed, so a 100 MB attachment is streamed to its upload session, not held.
    /// </summary>
    private static Stream Decoded(IMimeContent content, long size)
    {
        if (size <= MessageContent.MemoryLimit)
        {
            var memory = new MemoryStream((int)size);
            content.DecodeTo(memory);
            memory.Position = 0;
            return memory;
        }

        var path = Path.Combine(Path.GetTempPath(), $"dxmig-attachment-{Guid.NewGuid():N}.bin");
        var file = new FileStream(path, OwnerOnlyFile.Options(FileAccess.ReadWrite, FileOptions.DeleteOnClose));
        content.DecodeTo(file);
        file.Position = 0;
        return file;
    }

    private static string? Clean(string? subject)
    {
        if (string.IsNullOrWhiteSpace(subject))
        {
            return null;
        }

        var cleaned = new string([.. subject.Trim().Select(c => "\"*:<>?/\\|".Contains(c, StringComparison.Ordinal) || char.IsControl(c) ? '_' : c)]);
        return cleaned.Length > 100 ? cleaned[..100] : cleaned;
    }

    private static string Extension(string mimeType) => mimeType.ToUpperInvariant() switch
    {
        "TEXT/PLAIN" => ".txt",
        "TEXT/HTML" => ".html",
        "IMAGE/JPEG" => ".jpg",
        "IMAGE/PNG" => ".png",
        "IMAGE/GIF" => ".gif",
        "APPLICATION/PDF" => ".pdf",
        _ => ".bin",
    };

    private static byte[] Json(
        TargetMessage message, MimeMessage mime, bool html, string bodyText, string headers, List<GraphAttachment> inline, int later, string sourceKey, bool nameWithoutId)
    {
        var buffer = new ArrayBufferWriter<byte>(16 * 1024 + inline.Sum(a => Base64Length(a.Size)));
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("subject", mime.Subject ?? string.Empty);
            writer.WriteStartObject("body");
            writer.WriteString("contentType", html ? "html" : "text");
            writer.WriteString("content", bodyText);
            writer.WriteEndObject();
            if (mime.From.Mailboxes.FirstOrDefault() is { } from)
            {
                writer.WritePropertyName("from");
                Recipient(writer, from);
            }

            if (mime.Sender is { } sender)
            {
                writer.WritePropertyName("sender");
                Recipient(writer, sender);
            }

            Recipients(writer, "toRecipients", mime.To);
            Recipients(writer, "ccRecipients", mime.Cc);
            Recipients(writer, "bccRecipients", mime.Bcc);
            Recipients(writer, "replyTo", mime.ReplyTo);
            if (!string.IsNullOrEmpty(mime.MessageId))
            {
                writer.WriteString("internetMessageId", $"<{mime.MessageId}>");
            }
            else if (nameWithoutId)
            {
                writer.WriteString("internetMessageId", $"<{SyntheticMessageId.For(sourceKey)}>");
            }

            writer.WriteString("importance", mime.Importance switch
            {
                MessageImportance.High => "high",
                MessageImportance.Low => "low",
                _ => mime.XPriority is XMessagePriority.Highest or XMessagePriority.High ? "high" : "normal",
            });
            WriteFlags(writer, message);

            var flags = message.Flags;
            var seen = flags.Contains("\\Seen", StringComparer.OrdinalIgnoreCase);
            var draft = flags.Contains("\\Draft", StringComparer.OrdinalIgnoreCase);
            writer.WriteStartArray("singleValueExtendedProperties");
            Property(writer, MessageFlagsProperty, ((seen ? MessageFlagRead : 0) | (draft ? MessageFlagUnsent : 0)).ToString(CultureInfo.InvariantCulture));
            var received = message.InternalDate ?? (mime.Date > DateTimeOffset.MinValue ? mime.Date : DateTimeOffset.UnixEpoch);
            Property(writer, DeliveryTimeProperty, SystemTime(received));
            var sent = mime.Date.Year is >= 1980 and <= 9999 ? mime.Date : received;
            Property(writer, SubmitTimeProperty, SystemTime(sent));
            Property(writer, TransportHeadersProperty, headers);
            Property(writer, SourceKeyProperty, sourceKey);
            Property(writer, Sha256Property, message.BodySha256);
            Property(writer, KeywordsProperty, string.Join(' ', message.Keywords));
            var answered = flags.Contains("\\Answered", StringComparer.OrdinalIgnoreCase);
            var forwarded = message.Keywords.Contains("$Forwarded", StringComparer.OrdinalIgnoreCase);
            if (answered || forwarded)
            {
                // 102 = replied, 104 = forwarded; icons 261 and 262 show the same in the message list.
                Property(writer, LastVerbProperty, answered ? "102" : "104");
                Property(writer, IconIndexProperty, answered ? "261" : "262");
            }

            if (later > 0)
            {
                Property(writer, PendingProperty, later.ToString(CultureInfo.InvariantCulture));
            }

            writer.WriteEndArray();
            if (inline.Count > 0)
            {
                writer.WriteStartArray("attachments");
                foreach (var attachment in inline)
                {
                    WriteAttachment(writer, attachment);
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteFlags(Utf8JsonWriter writer, TargetMessage message)
    {
        writer.WriteBoolean("isRead", message.Flags.Contains("\\Seen", StringComparer.OrdinalIgnoreCase));
        writer.WriteStartObject("flag");
        writer.WriteString("flagStatus", message.Flags.Contains("\\Flagged", StringComparer.OrdinalIgnoreCase) ? "flagged" : "notFlagged");
        writer.WriteEndObject();
        writer.WriteStartArray("categories");
        foreach (var keyword in message.Keywords.Where(k => !k.StartsWith('$') && !NotCategories.Contains(k)))
        {
            writer.WriteStringValue(keyword);
        }

        writer.WriteEndArray();
    }

    private static void WriteAttachment(Utf8JsonWriter writer, GraphAttachment attachment)
    {
        writer.WriteStartObject();
        writer.WriteString("@odata.type", "#microsoft.graph.fileAttachment");
        writer.WriteString("name", attachment.Name);
        writer.WriteString("contentType", attachment.ContentType);
        writer.WriteBoolean("isInline", attachment.IsInline);
        if (attachment.ContentId is { } id)
        {
            writer.WriteString("contentId", id);
        }

        using var content = attachment.Open();
        var bytes = content is MemoryStream memory && memory.TryGetBuffer(out var segment) ? segment.AsSpan() : ReadAll(content);
        writer.WriteBase64String("contentBytes", bytes);
        writer.WriteEndObject();
    }

    private static byte[] ReadAll(Stream stream)
    {
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }

    internal static void Property(Utf8JsonWriter writer, string id, string value)
    {
        writer.WriteStartObject();
        writer.WriteString("id", id);
        writer.WriteString("value", value);
        writer.WriteEndObject();
    }

    private static string SystemTime(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static void Recipient(Utf8JsonWriter writer, MailboxAddress address)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("emailAddress");
        if (!string.IsNullOrEmpty(address.Name))
        {
            writer.WriteString("name", address.Name);
        }

        writer.WriteString("address", address.Address);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void Recipients(Utf8JsonWriter writer, string name, InternetAddressList list)
    {
        var mailboxes = list.Mailboxes.ToList();
        if (mailboxes.Count == 0)
        {
            return;
        }

        writer.WriteStartArray(name);
        foreach (var mailbox in mailboxes)
        {
            Recipient(writer, mailbox);
        }

        writer.WriteEndArray();
    }

    /// <summary>Counts bytes written to it, keeps none.</summary>
    private sealed class CountingStream : Stream
    {
        private long length;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => length;

        public override long Position { get => length; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => length += count;

        public override void Write(ReadOnlySpan<byte> buffer) => length += buffer.Length;
    }
}

/// <summary>An attachment to send: its name, type, whether it is inline (with its Content-ID), size and bytes.</summary>
public sealed record GraphAttachment(string Name, string ContentType, bool IsInline, string? ContentId, long Size, Func<Stream> Open);

/// <summary>A message create ready to send, and the attachments that follow it.</summary>
public sealed class BuiltMessage(byte[] json, IReadOnlyList<GraphAttachment> later, Stream source) : IDisposable
{
    public byte[] Json { get; } = json;

    public IReadOnlyList<GraphAttachment> Later { get; } = later;

    public void Dispose() => source.Dispose();
}

/// <summary>A message Graph cannot take as it is: quarantined with this code and reason.</summary>
public sealed class GraphMessageException : Exception
{
    public GraphMessageException(string code, string japanese, string english)
        : base($"{japanese} / {english}")
    {
        Code = code;
        Japanese = japanese;
        English = english;
    }

    public GraphMessageException()
    {
        Code = Japanese = English = string.Empty;
    }

    public GraphMessageException(string message)
        : base(message)
    {
        Code = Japanese = English = message;
    }

    public GraphMessageException(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = Japanese = English = message;
    }

    public string Code { get; }

    public string Japanese { get; }

    public string English { get; }
}
