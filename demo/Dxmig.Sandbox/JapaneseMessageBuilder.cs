using System.Globalization;
using System.Text;
using Dxmig.Contracts.Text;
using MailKit;
using MimeKit;
using MimeKit.Utils;

namespace Dxmig.Sandbox;

/// <summary>
/// Builds the messages of one mailbox of <see cref="JapaneseMailCorpus"/>, deterministically from its random source:
/// MimeKit for the ordinary ones (with fixed boundaries and Message-IDs, so nothing depends on the clock or a GUID),
/// hand-written bytes for the broken ones.
/// </summary>
internal sealed class JapaneseMessageBuilder
{
    /// <summary>A text body is grown to the target size up to this; larger messages carry an attachment.</summary>
    public const int TextOnlyLimit = 48 * 1024;

    private const long SixYearsInSeconds = 6L * 365 * 24 * 3600;
    private static readonly TimeSpan Jst = JapanTime.Offset;
    private static readonly DateTimeOffset Epoch = new(2025, 3, 31, 18, 0, 0, Jst);

    private static readonly Person[] People =
    [
        new("髙橋 一郎", "takahashi", "mirai-shoji.example.jp", "㈱みらい商事"),
        new("佐藤 花子", "sato.hanako", "sakura-bussan.example.co.jp", "株式会社さくら物産"),
        new("鈴木 次郎", "j-suzuki", "hikari-kogyo.example.jp", "有限会社ひかり工業"),
        new("渡辺 美咲", "misaki.watanabe", "mirai-shoji.example.jp", "㈱みらい商事"),
        new("山本 健", "ken.yamamoto", "example.ne.jp", "山本税理士事務所"),
        new("中村 由美", "yumi", "aozora.example.jp", "青空システム㈱"),
        new("小林 誠", "kobayashi", "sakura-bussan.example.co.jp", "株式会社さくら物産"),
        new("髙木 直子", "naoko.takagi", "example.co.jp", "髙木デザイン室"),
    ];

    private static readonly string[] OwnerNames = ["田中 太郎", "鈴木 一郎", "佐々木 恵", "伊藤 翔太", "山田 花子", "吉田 剛", "松本 彩", "井上 大輔"];

    private static readonly string[] Subjects =
    [
        "【至急】①②の件につきまして",
        "㈱みらい商事様 お見積りのご送付～髙橋より",
        "Re: 会議資料（第②回）の共有",
        "月次報告書の提出について ①",
        "打ち合わせ日程のご相談～来週",
        "髙島屋様向け提案書の件",
        "Fw: 出張申請の承認依頼",
        "【重要】システムメンテナンスのお知らせ",
        "請求書送付のご案内（㈱さくら物産）",
        "表計算ソフトの集計結果について",
    ];

    private static readonly string[] Sentences =
    [
        "いつも大変お世話になっております。",
        "㈱みらい商事の髙橋でございます。",
        "先日の打ち合わせの件でご連絡いたしました。",
        "①見積書、②仕様書の二点を添付いたします。",
        "ご確認のほど、よろしくお願い申し上げます～",
        "来週の会議は第３会議室（本館２階）で行います。",
        "納期は４月１５日を予定しております。",
        "ご不明な点がございましたら、お気軽にお問い合わせください。",
        "髙島屋様向けの資料は、共有フォルダに保存済みです。",
        "表計算ソフトの集計結果を、以下にまとめます。",
        "売上：前年同月比１０５％、経費：９８％でした。",
        "ＴＥＬ：０３－１２３４－５６７８　ＦＡＸ：０３－１２３４－５６７９",
        "Please find the attached file (Q3 report).",
        "今後ともよろしくお願いいたします。",
    ];

    private static readonly (string Name, string Type)[] AttachmentFiles =
    [
        ("見積書①.pdf", "application/pdf"),
        ("会議資料（2024年度）.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("㈱みらい商事_契約書.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("現場写真～髙橋.jpg", "image/jpeg"),
    ];

    private readonly Encoding jis;
    private readonly Encoding sjis;
    private readonly Random random;
    private readonly string tag;
    private readonly Person owner;
    private int sequence;

    public JapaneseMessageBuilder(string user, Random random)
    {
        JapaneseEncodings.EnsureRegistered();
        jis = Encoding.GetEncoding(50220, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);
        sjis = JapaneseEncodings.StrictCp932();
        this.random = random;
        tag = user;
        owner = new Person(OwnerNames[random.Next(OwnerNames.Length)], user, "example.jp", "自社");
    }

    /// <summary>MailKit's APPEND writes messages like this: CRLF, and a final CRLF added when missing.</summary>
    public static FormatOptions Wire { get; } = CreateWire();

    public CorpusMessage Build(CorpusMessageKind kind, string folder, int size, MessageFlags flags, IReadOnlyList<string> keywords, IReadOnlyList<int>? attachmentSizes = null)
    {
        sequence++;
        var inbound = folder is not (JapaneseMailCorpus.Sent or JapaneseMailCorpus.Drafts);
        var peer = People[random.Next(People.Length)];
        var date = Epoch - TimeSpan.FromSeconds(random.NextInt64(0, SixYearsInSeconds));
        var internalDate = inbound ? date + TimeSpan.FromSeconds(random.Next(3, 600)) : date;
        var messageId = kind is CorpusMessageKind.Draft or CorpusMessageKind.NoMessageId
            ? null
            : string.Create(CultureInfo.InvariantCulture, $"{date.UtcDateTime:yyyyMMddHHmmss}.{sequence:D6}.{tag}@{(inbound ? peer.Domain : owner.Domain)}");
        var context = new Context(inbound ? peer : owner, inbound ? owner : peer, inbound, date, messageId, Subjects[random.Next(Subjects.Length)] + $" [{sequence}]");
        var bytes = kind switch
        {
            CorpusMessageKind.Iso2022Jp => Iso2022Jp(context, size),
            CorpusMessageKind.Utf8Alternative => Utf8Alternative(context, size),
            CorpusMessageKind.ShiftJis => ShiftJis(context, size),
            CorpusMessageKind.Raw8BitHeaders => Raw8BitHeaders(context),
            CorpusMessageKind.Attachment => WithAttachments(context, attachmentSizes ?? [AttachmentBytes(size)]),
            CorpusMessageKind.NoMessageId or CorpusMessageKind.Draft => WithoutMessageId(context, size, kind == CorpusMessageKind.Draft),
            CorpusMessageKind.BrokenBoundary => BrokenBoundary(context),
            CorpusMessageKind.BadBase64 => BadBase64(context),
            CorpusMessageKind.LongHeader => LongHeader(context),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
        return new CorpusMessage(folder, bytes, flags, keywords, internalDate, messageId, kind);
    }

    /// <summary>The raw attachment size that brings a message to about <paramref name="size"/> bytes (base64: 57 bytes a 78-octet line).</summary>
    public static int AttachmentBytes(int size) => Math.Max(1024, (int)((size - 3_500L) * 57 / 78));

    private static FormatOptions CreateWire()
    {
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        format.EnsureNewLine = true;
        return format;
    }

    private byte[] Iso2022Jp(Context c, int size)
    {
        var message = Headers(c, jis);
        var text = TextPart("plain", jis, Text(c, BodyChars(size, 2.1)), ContentEncoding.SevenBit);
        message.Body = size > TextOnlyLimit ? Mixed(text, [AttachmentBytes(size)]) : text;
        return Serialize(message);
    }

    private byte[] Utf8Alternative(Context c, int size)
    {
        var message = Headers(c, Encoding.UTF8);
        var body = Text(c, BodyChars(size, 13.5));
        var alternative = new MultipartAlternative
        {
            TextPart("plain", Encoding.UTF8, body, ContentEncoding.Base64),
            TextPart("html", Encoding.UTF8, Html(body), ContentEncoding.QuotedPrintable),
        };
        alternative.Boundary = Boundary("alt");
        message.Body = size > TextOnlyLimit ? Mixed(alternative, [AttachmentBytes(size)]) : alternative;
        return Serialize(message);
    }

    private byte[] ShiftJis(Context c, int size)
    {
        var message = Headers(c, sjis);
        var eightBit = sequence % 2 == 0;
        var text = TextPart("plain", sjis, Text(c, BodyChars(size, eightBit ? 2.0 : 2.75)), eightBit ? ContentEncoding.EightBit : ContentEncoding.Base64);
        text.ContentType.Charset = "Shift_JIS";
        message.Body = size > TextOnlyLimit ? Mixed(text, [AttachmentBytes(size)]) : text;
        return Serialize(message);
    }

    private byte[] WithAttachments(Context c, IReadOnlyList<int> sizes)
    {
        var message = Headers(c, jis);
        var text = TextPart("plain", jis, Text(c, 400), ContentEncoding.SevenBit);
        message.Body = Mixed(text, sizes);
        return Serialize(message);
    }

    private byte[] WithoutMessageId(Context c, int size, bool draft)
    {
        var message = Headers(c, jis);
        message.Headers.Remove(HeaderId.MessageId);
        if (draft)
        {
            message.Headers.Replace(HeaderId.Subject, jis, "（下書き）" + c.Subject);
            message.Headers.Add("X-Uniform-Type-Identifier", "com.apple.mail-draft");
        }

        message.Body = TextPart("plain", jis, Text(c, BodyChars(size, 2.1)), ContentEncoding.SevenBit);
        return Serialize(message);
    }

    private byte[] Raw8BitHeaders(Context c)
    {
        var raw = Envelope(c, includeFromAndSubject: false);
        raw.Header("From", [.. sjis.GetBytes(c.From.Name), .. Encoding.ASCII.GetBytes($" <{c.From.Address}>")]);
        raw.Header("Subject", sjis.GetBytes("【ソフト表】①②の件 ㈱みらい商事 髙橋～" + $" [{sequence}]"));
        raw.Header("MIME-Version", "1.0");
        raw.Header("Content-Type", "text/plain; charset=Shift_JIS");
        raw.Header("Content-Transfer-Encoding", "8bit");
        raw.Header("X-Mailer", "Denshin 8 Go V321.2b");
        raw.EndHeader();
        raw.Bytes(sjis.GetBytes(Text(c, 300)));
        return raw.ToArray();
    }

    private byte[] BrokenBoundary(Context c)
    {
        var boundary = Boundary("broken");
        var raw = Envelope(c, includeFromAndSubject: true);
        raw.Header("MIME-Version", "1.0");
        raw.Header("Content-Type", $"multipart/mixed; boundary=\"{boundary}\"");
        raw.EndHeader();
        raw.Line("This is a multi-part message in MIME format.");
        raw.Line(string.Empty);
        raw.Line("--" + boundary);
        raw.Line("Content-Type: text/plain; charset=ISO-2022-JP");
        raw.Line("Content-Transfer-Encoding: 7bit");
        raw.Line(string.Empty);
        raw.Bytes(jis.GetBytes(Text(c, 200)));
        raw.Line("--" + boundary);
        raw.Line("Content-Type: application/octet-stream; name=\"truncated.bin\"");
        raw.Line("Content-Disposition: attachment; filename=\"truncated.bin\"");
        raw.Line("Content-Transfer-Encoding: base64");
        raw.Line(string.Empty);
        foreach (var line in Base64Lines(RandomBytes(900)))
        {
            raw.Line(line);
        }

        // No "--boundary--": the sender's connection dropped, or its MIME writer was broken.
        return raw.ToArray();
    }

    private byte[] BadBase64(Context c)
    {
        var raw = Envelope(c, includeFromAndSubject: true);
        raw.Header("MIME-Version", "1.0");
        raw.Header("Content-Type", "text/plain; charset=UTF-8");
        raw.Header("Content-Transfer-Encoding", "base64");
        raw.EndHeader();
        var lines = Base64Lines(Encoding.UTF8.GetBytes(Text(c, 300))).ToList();
        lines[1] = lines[1][..20] + "!!*#" + lines[1][20..];
        lines.Insert(2, "****");
        var last = lines[^1].TrimEnd('=');
        lines[^1] = last.Length % 4 == 0 ? last[..^1] : last;
        foreach (var line in lines)
        {
            raw.Line(line);
        }

        return raw.ToArray();
    }

    private byte[] LongHeader(Context c)
    {
        var raw = Envelope(c, includeFromAndSubject: false);
        raw.Header("From", EncodedWord(c.From.Name) + $" <{c.From.Address}>");
        var words = Enumerable.Range(0, 24).Select(i => EncodedWord(Subjects[i % Subjects.Length]));
        raw.Header("Subject", string.Join(' ', words));
        var references = Enumerable.Range(1, 48).Select(i => string.Create(CultureInfo.InvariantCulture, $"<{c.Date.UtcDateTime:yyyyMMdd}.{i:D4}.thread@{c.From.Domain}>"));
        raw.Header("References", string.Join(' ', references));
        raw.Header("X-Dxmig-Long", string.Concat(Enumerable.Repeat("0123456789abcdef", 250)));
        raw.Header("MIME-Version", "1.0");
        raw.Header("Content-Type", "text/plain; charset=ISO-2022-JP");
        raw.Header("Content-Transfer-Encoding", "7bit");
        raw.EndHeader();
        raw.Bytes(jis.GetBytes(Text(c, 200)));
        return raw.ToArray();
    }

    /// <summary>Received, Return-Path, Message-ID, Date and To (and From, Subject as ISO-2022-JP encoded-words).</summary>
    private RawMessageWriter Envelope(Context c, bool includeFromAndSubject)
    {
        var raw = new RawMessageWriter();
        if (c.Inbound)
        {
            raw.Header("Received", $"from mx.{c.From.Domain} (mx.{c.From.Domain} [192.0.2.{(sequence % 250) + 1}]) by mx.example.jp with ESMTP id {sequence:X8}; {DateUtils.FormatDate(c.Date)}");
            raw.Header("Return-Path", $"<{c.From.Address}>");
        }

        if (c.MessageId is not null)
        {
            raw.Header("Message-ID", $"<{c.MessageId}>");
        }

        raw.Header("Date", DateUtils.FormatDate(c.Date) + " (JST)");
        if (includeFromAndSubject)
        {
            raw.Header("From", EncodedWord(c.From.Name) + $" <{c.From.Address}>");
            raw.Header("Subject", EncodedWord(c.Subject));
        }

        raw.Header("To", EncodedWord(c.To.Name) + $" <{c.To.Address}>");
        return raw;
    }

    private string EncodedWord(string text) => "=?ISO-2022-JP?B?" + Convert.ToBase64String(jis.GetBytes(text)) + "?=";

    private MimeMessage Headers(Context c, Encoding encoding)
    {
        var message = new MimeMessage();
        if (c.Inbound)
        {
            message.Headers.Insert(0, new Header("Received", $"from mx.{c.From.Domain} (mx.{c.From.Domain} [192.0.2.{(sequence % 250) + 1}]) by mx.example.jp with ESMTP id {sequence:X8}; {DateUtils.FormatDate(c.Date)}"));
        }

        message.From.Add(new MailboxAddress(encoding, c.From.Name, c.From.Address));
        message.To.Add(new MailboxAddress(encoding, c.To.Name, c.To.Address));
        if (sequence % 3 == 0)
        {
            message.Cc.Add(new MailboxAddress(encoding, c.To.Company + " 総務部", "soumu@" + c.To.Domain));
        }

        message.Headers.Replace(HeaderId.Subject, encoding, c.Subject);
        message.Date = c.Date;
        if (c.MessageId is not null)
        {
            message.MessageId = c.MessageId;
        }

        message.Headers.Add(HeaderId.XMailer, sequence % 2 == 0 ? "Microsoft Outlook 16.0" : "Becky! ver. 2.81.04");
        return message;
    }

    private static TextPart TextPart(string subtype, Encoding encoding, string text, ContentEncoding transfer)
    {
        var part = new TextPart(subtype) { ContentTransferEncoding = transfer };
        part.SetText(encoding, text);
        return part;
    }

    private Multipart Mixed(MimeEntity body, IReadOnlyList<int> attachmentSizes)
    {
        var mixed = new Multipart("mixed") { Boundary = Boundary("mixed"), };
        mixed.Add(body);
        for (var i = 0; i < attachmentSizes.Count; i++)
        {
            var (name, type) = AttachmentFiles[(sequence + i) % AttachmentFiles.Length];
            var part = new MimePart(ContentType.Parse(type))
            {
                Content = new MimeContent(new MemoryStream(RandomBytes(attachmentSizes[i]), writable: false)),
                ContentTransferEncoding = ContentEncoding.Base64,
                ContentDisposition = new ContentDisposition(ContentDisposition.Attachment),
            };
            if (i % 2 == 0)
            {
                // RFC 2231 (filename*=utf-8''...), as current mailers write it.
                part.FileName = name;
            }
            else
            {
                // RFC 2047 inside a quoted parameter, as Outlook and older Japanese mailers write it.
                part.ContentType.Parameters.Add(new Parameter(jis, "name", name) { EncodingMethod = ParameterEncodingMethod.Rfc2047 });
                part.ContentDisposition.Parameters.Add(new Parameter(jis, "filename", name) { EncodingMethod = ParameterEncodingMethod.Rfc2047 });
            }

            mixed.Add(part);
        }

        return mixed;
    }

    private string Boundary(string what) => string.Create(CultureInfo.InvariantCulture, $"----=_dxmig_{what}_{tag}_{sequence:D6}");

    private string Text(Context c, int characters)
    {
        var text = new StringBuilder();
        text.Append(c.To.Company).Append("\r\n").Append(c.To.Name).Append("様\r\n\r\n");
        var line = 0;
        while (text.Length < characters)
        {
            text.Append(Sentences[random.Next(Sentences.Length)]);
            if (++line % 2 == 0)
            {
                text.Append("\r\n");
            }
        }

        text.Append("\r\n\r\n――――――――――\r\n").Append(c.From.Company).Append('\u3000').Append(c.From.Name).Append("\r\n");
        return text.ToString();
    }

    private static string Html(string text) =>
        "<html><head><meta charset=\"utf-8\"></head><body><div>"
        + string.Join("<br>\r\n", text.Split("\r\n").Select(l => System.Net.WebUtility.HtmlEncode(l)))
        + "</div></body></html>\r\n";

    /// <summary>Characters of body text for a message of about <paramref name="size"/> bytes; short when an attachment makes up the size.</summary>
    private static int BodyChars(int size, double bytesPerChar) =>
        size > TextOnlyLimit ? 1_500 : Math.Max(60, (int)((size - 900) / bytesPerChar));

    private byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }

    private static IEnumerable<string> Base64Lines(byte[] data)
    {
        var text = Convert.ToBase64String(data);
        for (var i = 0; i < text.Length; i += 76)
        {
            yield return text.Substring(i, Math.Min(76, text.Length - i));
        }
    }

    private static byte[] Serialize(MimeMessage message)
    {
        using (message)
        {
            using var stream = new MemoryStream();
            message.WriteTo(Wire, stream);
            return stream.ToArray();
        }
    }

    private sealed record Person(string Name, string LocalPart, string Domain, string Company)
    {
        public string Address => LocalPart + "@" + Domain;
    }

    private sealed record Context(Person From, Person To, bool Inbound, DateTimeOffset Date, string? MessageId, string Subject);
}
