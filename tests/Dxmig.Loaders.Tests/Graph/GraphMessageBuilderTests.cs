using System.Text;
using System.Text.Json;
using Dxmig.Loaders.Graph;
using Dxmig.Contracts.Records;
using Dxmig.Contracts.Text;

namespace Dxmig.Loaders.Tests.Graph;

public class GraphMessageBuilderTests
{
    private static readonly GraphTargetOptions Options = new() { TenantId = "t", ClientId = "c" };

    private static TargetMessage Message(byte[] mime, string[]? flags = null, string[]? keywords = null, DateTimeOffset? internalDate = null) => new()
    {
        TargetAccount = "taro@pref.example.jp",
        FolderPath = ["INBOX"],
        Role = MailFolderRole.Inbox,
        Flags = flags ?? [],
        Keywords = keywords ?? [],
        InternalDate = internalDate ?? new DateTimeOffset(2023, 4, 1, 9, 30, 0, TimeSpan.FromHours(9)),
        BodySha256 = "ab12",
        Size = mime.Length,
        Content = MessageContent.FromBytes(mime),
    };

    private static JsonElement Build(TargetMessage message, GraphTargetOptions? options = null)
    {
        using var built = new GraphMessageBuilder(options ?? Options).Build(message, "imap:taro/INBOX/1@7");
        return JsonDocument.Parse(built.Json).RootElement;
    }

    private static string Property(JsonElement json, string id) =>
        json.GetProperty("singleValueExtendedProperties").EnumerateArray().Single(p => p.GetProperty("id").GetString() == id).GetProperty("value").GetString()!;

    private static bool HasProperty(JsonElement json, string id) =>
        json.GetProperty("singleValueExtendedProperties").EnumerateArray().Any(p => p.GetProperty("id").GetString() == id);

    private static byte[] Iso2022Jp(string text)
    {
        JapaneseEncodings.EnsureRegistered();
        return Encoding.GetEncoding("iso-2022-jp").GetBytes(text);
    }

    [Fact]
    public void A_read_message_is_created_as_received_mail_with_its_dates_headers_and_source_key()
    {
        var mime = Encoding.ASCII.GetBytes(
            "Message-ID: <abc@pref.example.jp>\r\nDate: Fri, 31 Mar 2023 18:00:00 +0900\r\nFrom: =?UTF-8?B?5bGx55Sw?= <yamada@pref.example.jp>\r\n" +
            "To: taro@pref.example.jp\r\nCc: a@x.jp, b@x.jp\r\nSubject: =?UTF-8?B?5Lya6K2w44Gu5qGI5YaF?=\r\nX-Custom: kept\r\n" +
            "Content-Type: text/plain; charset=utf-8\r\n\r\nhello\r\n");
        var json = Build(Message(mime, flags: ["\\Seen", "\\Flagged", "\\Answered"], keywords: ["$Label1", "仕事", "NonJunk"]));

        Property(json, GraphMessageBuilder.MessageFlagsProperty).Should().Be("1", "read, and without the unsent bit: not a draft");
        Property(json, GraphMessageBuilder.DeliveryTimeProperty).Should().Be("2023-04-01T00:30:00Z");
        Property(json, GraphMessageBuilder.SubmitTimeProperty).Should().Be("2023-03-31T09:00:00Z");
        Property(json, GraphMessageBuilder.TransportHeadersProperty).Should().Contain("X-Custom: kept").And.Contain("Message-ID: <abc@pref.example.jp>");
        Property(json, GraphMessageBuilder.SourceKeyProperty).Should().Be("imap:taro/INBOX/1@7");
        Property(json, GraphMessageBuilder.KeywordsProperty).Should().Be("$Label1 仕事 NonJunk");
        Property(json, GraphMessageBuilder.LastVerbProperty).Should().Be("102");
        json.GetProperty("subject").GetString().Should().Be("会議の案内");
        json.GetProperty("from").GetProperty("emailAddress").GetProperty("name").GetString().Should().Be("山田");
        json.GetProperty("ccRecipients").GetArrayLength().Should().Be(2);
        json.GetProperty("internetMessageId").GetString().Should().Be("<abc@pref.example.jp>");
        json.GetProperty("isRead").GetBoolean().Should().BeTrue();
        json.GetProperty("flag").GetProperty("flagStatus").GetString().Should().Be("flagged");
        json.GetProperty("categories").EnumerateArray().Select(c => c.GetString()).Should().Equal("仕事");
        json.GetProperty("body").GetProperty("content").GetString().Should().Contain("hello");
    }

    [Fact]
    public void A_draft_stays_a_draft_and_an_unread_message_stays_unread()
    {
        var mime = Encoding.ASCII.GetBytes("Subject: x\r\n\r\nbody\r\n");
        Property(Build(Message(mime, flags: ["\\Draft"])), GraphMessageBuilder.MessageFlagsProperty).Should().Be("8");
        var unread = Build(Message(mime));
        Property(unread, GraphMessageBuilder.MessageFlagsProperty).Should().Be("0");
        unread.GetProperty("isRead").GetBoolean().Should().BeFalse();
        HasProperty(unread, GraphMessageBuilder.LastVerbProperty).Should().BeFalse();
    }

    [Fact]
    public void Iso_2022_jp_with_nec_extension_characters_and_html_alternative()
    {
        var text = Iso2022Jp("①番の会議室㈱髙橋");
        var head = Encoding.ASCII.GetBytes(
            "Subject: =?ISO-2022-JP?B?GyRCMnFEPBsoQg==?=\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"b\"\r\n\r\n" +
            "--b\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\nContent-Transfer-Encoding: 7bit\r\n\r\n");
        var tail = Encoding.ASCII.GetBytes("\r\n--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>html</p>\r\n--b--\r\n");
        var json = Build(Message([.. head, .. text, .. tail]));
        json.GetProperty("body").GetProperty("contentType").GetString().Should().Be("html");
        json.GetProperty("body").GetProperty("content").GetString().Should().Contain("<p>html</p>");
        json.TryGetProperty("attachments", out _).Should().BeFalse("the plain-text alternative is the same mail, not an attachment");

        var plain = Build(Message([.. Encoding.ASCII.GetBytes("Content-Type: text/plain; charset=ISO-2022-JP\r\n\r\n"), .. text]));
        plain.GetProperty("body").GetProperty("content").GetString().Should().Be("①番の会議室㈱髙橋");
    }

    [Fact]
    public void Raw_shift_jis_headers_are_kept_readable_in_the_internet_headers()
    {
        JapaneseEncodings.EnsureRegistered();
        var head = Encoding.GetEncoding(932).GetBytes("Subject: 生のシフトJIS件名\r\nFrom: a@b.jp\r\n\r\nbody\r\n");
        var json = Build(Message(head));
        Property(json, GraphMessageBuilder.TransportHeadersProperty).Should().Contain("生のシフトJIS件名");
    }

    [Fact]
    public void Small_attachments_go_into_the_create_and_large_ones_follow_with_a_pending_mark()
    {
        var small = new byte[10_000];
        var large = new byte[3_500_000];
        Random.Shared.NextBytes(small);
        Random.Shared.NextBytes(large);
        var mime = Encoding.UTF8.GetBytes(
            "Subject: files\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"m\"\r\n\r\n--m\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n" +
            "--m\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"small.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
            Convert.ToBase64String(small, Base64FormattingOptions.InsertLineBreaks) + "\r\n" +
            "--m\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"大きな資料.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
            Convert.ToBase64String(large, Base64FormattingOptions.InsertLineBreaks) + "\r\n--m--\r\n");
        using var built = new GraphMessageBuilder(Options).Build(Message(mime), "k");
        var json = JsonDocument.Parse(built.Json).RootElement;
        var inline = json.GetProperty("attachments").EnumerateArray().Single();
        inline.GetProperty("name").GetString().Should().Be("small.pdf");
        inline.GetProperty("contentBytes").GetBytesFromBase64().Should().Equal(small);
        Property(json, GraphMessageBuilder.PendingProperty).Should().Be("1");
        built.Later.Should().ContainSingle().Which.Name.Should().Be("大きな資料.bin");
        built.Later[0].Size.Should().Be(large.Length);
        using var stream = built.Later[0].Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        copy.ToArray().Should().Equal(large);
        built.Json.Length.Should().BeLessThan(Options.MaxRequestBytes);
    }

    [Fact]
    public void Broken_mime_and_an_empty_message_still_build()
    {
        var broken = Encoding.ASCII.GetBytes("Subject: broken\r\nContent-Type: multipart/mixed; boundary=\"never\"\r\n\r\nno boundary ever appears\r\n");
        Build(Message(broken)).GetProperty("subject").GetString().Should().Be("broken");
        var empty = Build(Message([]));
        empty.GetProperty("subject").GetString().Should().BeEmpty();
        Property(empty, GraphMessageBuilder.MessageFlagsProperty).Should().Be("0");
        Property(empty, GraphMessageBuilder.SubmitTimeProperty).Should().Be("2023-04-01T00:30:00Z", "no Date: header, so the internal date");
        empty.TryGetProperty("internetMessageId", out _).Should().BeFalse();
    }

    [Fact]
    public void Flags_update_carries_read_flag_categories_and_keywords()
    {
        var json = JsonDocument.Parse(GraphMessageBuilder.FlagsJson(Message([], flags: ["\\Seen"], keywords: ["$MDNSent", "重要"]))).RootElement;
        json.GetProperty("isRead").GetBoolean().Should().BeTrue();
        json.GetProperty("flag").GetProperty("flagStatus").GetString().Should().Be("notFlagged");
        json.GetProperty("categories").EnumerateArray().Select(c => c.GetString()).Should().Equal("重要");
        Property(json, GraphMessageBuilder.KeywordsProperty).Should().Be("$MDNSent 重要");
    }

    [Fact]
    public void Lookup_query_escapes_quotes_in_the_source_key()
    {
        var query = Uri.UnescapeDataString(GraphMailLoader.LookupQuery("imap:o'brien/INBOX/1@2"));
        query.Should().Contain("ep/value eq 'imap:o''brien/INBOX/1@2'");
        query.Should().Contain(GraphMessageBuilder.SourceKeyProperty);
    }
}
