using System.Globalization;
using System.Text;
using Dxmig.Contracts.Text;
using MailKit;
using MailKit.Net.Imap;

namespace Dxmig.Sandbox;

/// <summary>
/// Messages and folder names that break careless mail code, as raw bytes: malformed MIME boundaries, message/rfc822
/// nested 50 deep, raw 8-bit and NUL bytes in header fields, a 1 MB line in the header and in the body, a 64 KB
/// Subject (its Message-ID after it), a 64 KB Message-ID, 5,000 header lines, 10,000
/// attachments in one message, bare CR and LF line ends, and (optionally) a 200 MB message written streaming to its
/// file; folders whose names hold dots, a hierarchy, emoji, a leading dot and 255 characters. Each message carries
/// an <c>X-Hostile</c> field with its name near its start, so it can be told apart when read back.
/// <see cref="FillAsync(DovecotServer, string, CancellationToken)"/> drops the messages into INBOX's Maildir (the
/// server indexes them at the next SELECT: no IMAP APPEND, no MimeKit, so NUL and 200 MB arrive as written) and
/// creates the folders over IMAP with one ordinary message each.
/// </summary>
public sealed class HostileMailCorpus(bool includeHuge)
{
    /// <summary>The header field naming each hostile message.</summary>
    public const string NameField = "X-Hostile";

    /// <summary>Size of the huge message (over Exchange Online's 35 MB and any sane per-message buffer).</summary>
    public const long HugeBytes = 200L * 1024 * 1024;

    public const int NestedDepth = 50;

    public const int AttachmentCount = 10_000;

    /// <summary>Length of the long Subject and Message-ID: a 64 KB header field, over MailKit's 4 KB limit on a string in a response.</summary>
    public const int LongFieldBytes = 64 * 1024;

    /// <summary>Header lines of the message that has thousands of them.</summary>
    public const int ManyHeaderLines = 5_000;

    /// <summary>Folder names that trouble a migration: dots, a hierarchy, emoji, a leading dot, and 255 characters.</summary>
    public static IReadOnlyList<string> FolderNames { get; } =
    [
        "報告.2024.03",
        "親/子/孫",
        "📁重要🔥",
        ".先頭ドット",
        "末尾ドット.",
        // 255 characters, the most one hierarchy level may have on Dovecot (counted in its modified UTF-7 form).
        "long-" + new string('x', 250),
    ];

    /// <summary>The messages' names, in the order they are written.</summary>
    public IReadOnlyList<string> Names => [.. Generators().Select(g => g.Name)];

    /// <summary>Writes every message into INBOX's Maildir and creates the folders with one message each.</summary>
    /// <returns>The names of the messages dropped, and the folders created (as the server lists them).</returns>
    public async Task<(IReadOnlyList<string> Messages, IReadOnlyList<string> Folders)> FillAsync(DovecotServer server, string user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        var folders = new List<string>();
        using (var client = await server.ConnectAsMasterAsync(user, cancellationToken))
        {
            var root = client.GetFolder(client.PersonalNamespaces[0]);
            foreach (var name in FolderNames)
            {
                IMailFolder parent = root;
                foreach (var segment in name.Split('/'))
                {
                    var full = parent.FullName.Length == 0 ? segment : parent.FullName + "/" + segment;
                    try
                    {
                        parent = await client.GetFolderAsync(full, cancellationToken);
                    }
                    catch (FolderNotFoundException)
                    {
                        parent = await parent.CreateAsync(segment, true, cancellationToken) ?? throw new InvalidOperationException($"the server did not create {full}");
                    }
                }

                await parent.OpenAsync(FolderAccess.ReadWrite, cancellationToken);
                var bytes = Encoding.UTF8.GetBytes(
                    $"Message-ID: <folder-{folders.Count}@hostile.example.jp>\r\n{NameField}: folder-{folders.Count}\r\nSubject: folder test\r\n" +
                    "From: a@example.jp\r\nDate: Mon, 1 Apr 2024 09:00:00 +0900\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nフォルダ名の試験\r\n");
                using var mime = RawBodyEntity.Wrap(bytes);
                await parent.AppendAsync(new AppendRequest(mime, MessageFlags.Seen), cancellationToken);
                await parent.CloseAsync(false, cancellationToken);
                folders.Add(parent.FullName);
            }

            await client.DisconnectAsync(true, cancellationToken);
        }

        var identity = await PosixIdentity.CurrentAsync();
        var maildir = server.MailDirectory(user);
        var cur = Path.Combine(maildir, "cur");
        Directory.CreateDirectory(cur);
        var names = new List<string>();
        var sequence = 0;
        foreach (var (name, write) in Generators())
        {
            var temporary = Path.Combine(maildir, "tmp", $"hostile-{sequence}");
            Directory.CreateDirectory(Path.GetDirectoryName(temporary)!);
            long size;
            await using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
            {
                write(file);
                size = file.Length;
            }

            var unique = string.Create(CultureInfo.InvariantCulture, $"{1_700_000_000 + sequence}.M{sequence}P{Environment.ProcessId}.dxmig,S={size}:2,S");
            var final = Path.Combine(cur, unique);
            File.Move(temporary, final);
            names.Add(name);
            sequence++;
        }

        if (identity.IsRoot)
        {
            var (code, output) = await ProcessRunner.RunAsync("chown", ["-R", $"{identity.MailUid}:{identity.MailGid}", maildir], "/");
            if (code != 0)
            {
                throw new InvalidOperationException($"chown of {maildir} failed ({code}): {output}");
            }
        }

        return (names, folders);
    }

    /// <summary>
    /// Every message of every selectable folder as the server holds it: folder, UID, SHA-256 of BODY[] and size, and
    /// the hostile name when it has one. Bodies are fetched in 8 MB slices and hashed as they come, never held whole.
    /// </summary>
    public static async Task<IReadOnlyList<HeldMessage>> ReadAsync(ImapClient client, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        const int Slice = 8 * 1024 * 1024;
        var result = new List<HeldMessage>();
        foreach (var name in await ImapMailboxReader.ReadFolderNamesAsync(client, cancellationToken))
        {
            var folder = await client.GetFolderAsync(name, cancellationToken);
            await folder.OpenAsync(FolderAccess.ReadOnly, cancellationToken);
            var summaries = await folder.FetchAsync(0, -1, new FetchRequest(MessageSummaryItems.UniqueId | MessageSummaryItems.Size), cancellationToken);
            foreach (var summary in summaries.OrderBy(s => s.UniqueId.Id))
            {
                using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
                var size = (long)(summary.Size ?? 0);
                string? hostile = null;
                for (long offset = 0; offset == 0 || offset < size; offset += Slice)
                {
                    await using var stream = await folder.GetStreamAsync(summary.UniqueId, string.Empty, (int)offset, Slice, cancellationToken);
                    using var copy = new MemoryStream();
                    await stream.CopyToAsync(copy, cancellationToken);
                    sha.AppendData(copy.GetBuffer(), 0, (int)copy.Length);
                    if (offset == 0)
                    {
                        hostile = NameOf(copy.GetBuffer().AsSpan(0, (int)Math.Min(copy.Length, 64 * 1024)));
                    }
                }

                result.Add(new HeldMessage(name, summary.UniqueId.Id, Convert.ToHexStringLower(sha.GetHashAndReset()), size, hostile));
            }

            await folder.CloseAsync(false, cancellationToken);
        }

        return result;
    }

    /// <summary>The name in a message's <c>X-Hostile</c> field, read from its first bytes; null when absent.</summary>
    public static string? NameOf(ReadOnlySpan<byte> head)
    {
        var marker = Encoding.ASCII.GetBytes("\n" + NameField + ": ");
        var at = head.IndexOf(marker);
        if (at < 0)
        {
            return null;
        }

        var rest = head[(at + marker.Length)..];
        var end = rest.IndexOfAny((byte)'\r', (byte)'\n');
        return Encoding.ASCII.GetString(end < 0 ? rest : rest[..end]);
    }

    private IEnumerable<(string Name, Action<Stream> Write)> Generators()
    {
        yield return ("boundary-never-closed", s => Multipart(s, "boundary-never-closed", "b1", "--b1\r\nContent-Type: text/plain\r\n\r\n本文\r\n--b1\r\nContent-Type: text/plain\r\n\r\n閉じない\r\n"));
        yield return ("boundary-never-used", s => Multipart(s, "boundary-never-used", "declared-but-absent", "no part starts here\r\njust text\r\n"));
        yield return ("boundary-empty", s => Multipart(s, "boundary-empty", string.Empty, "--\r\nContent-Type: text/plain\r\n\r\nempty boundary\r\n----\r\n"));
        yield return ("boundary-reused-by-child", s => Multipart(
            s, "boundary-reused-by-child", "same",
            "--same\r\nContent-Type: multipart/alternative; boundary=\"same\"\r\n\r\n--same\r\nContent-Type: text/plain\r\n\r\ninner\r\n--same--\r\n--same--\r\n"));
        yield return ("boundary-overlong", s => Multipart(s, "boundary-overlong", new string('=', 300), $"--{new string('=', 300)}\r\nContent-Type: text/plain\r\n\r\n長い境界\r\n--{new string('=', 300)}--\r\n"));
        yield return ("rfc822-nested-50", WriteNested);
        yield return ("header-8bit-sjis", s =>
        {
            Head(s, "header-8bit-sjis", "text/plain; charset=iso-2022-jp", subject: null);
            Raw(s, "Subject: "u8);
            Raw(s, JapaneseEncodings.StrictCp932().GetBytes("生の Shift_JIS 件名 ①㈱"));
            Raw(s, "\r\n\r\nbody\r\n"u8);
        });
        yield return ("header-nul", s =>
        {
            Head(s, "header-nul", "text/plain", subject: null);
            Raw(s, "Subject: before\0after\r\nX-Nul: \0\0\0\r\n\r\nbody with \0 too\r\n"u8);
        });
        yield return ("header-line-1mb", s =>
        {
            Head(s, "header-line-1mb", "text/plain", subject: "1 MB header line");
            Raw(s, "X-Long: "u8);
            Repeat(s, (byte)'h', 1024 * 1024);
            Raw(s, "\r\n\r\nbody\r\n"u8);
        });
        yield return ("subject-64kb", s =>
        {
            // The Message-ID after the long Subject, as many mailers write it: beyond the first 64 KB of the message.
            Raw(s, Encoding.ASCII.GetBytes($"From: hostile@example.jp\r\n{NameField}: subject-64kb\r\nTo: user@example.jp\r\nDate: Tue, 2 Apr 2024 10:00:00 +0900\r\n"));
            Raw(s, "Subject: "u8);
            Repeat(s, (byte)'s', LongFieldBytes);
            Raw(s, "\r\nMessage-ID: <subject-64kb@hostile.example.jp>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nbody\r\n"u8);
        });
        yield return ("message-id-64kb", s =>
        {
            Raw(s, Encoding.ASCII.GetBytes($"From: hostile@example.jp\r\n{NameField}: message-id-64kb\r\nTo: user@example.jp\r\nDate: Tue, 2 Apr 2024 10:00:00 +0900\r\nSubject: 64 KB Message-ID\r\n"));
            Raw(s, "Message-ID: <"u8);
            Repeat(s, (byte)'m', LongFieldBytes);
            Raw(s, "@hostile.example.jp>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nbody\r\n"u8);
        });
        yield return ("header-lines-5000", s =>
        {
            Head(s, "header-lines-5000", "text/plain", subject: "5,000 header lines");
            for (var i = 0; i < ManyHeaderLines; i++)
            {
                Raw(s, Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"X-Line-{i}: value {i}\r\n")));
            }

            Raw(s, "\r\nbody\r\n"u8);
        });
        yield return ("body-line-1mb", s =>
        {
            Head(s, "body-line-1mb", "text/plain", subject: "1 MB body line");
            Raw(s, "\r\n"u8);
            Repeat(s, (byte)'b', 1024 * 1024);
            Raw(s, "\r\n"u8);
        });
        yield return ("bare-cr-lf", s =>
        {
            Head(s, "bare-cr-lf", "text/plain", subject: "bare line ends");
            Raw(s, "\r\nline with LF only\nline with CR only\rend\r\n"u8);
        });
        yield return ("attachments-10000", WriteManyAttachments);
        if (includeHuge)
        {
            yield return ("huge-200mb", WriteHuge);
        }
    }

    private static void Head(Stream s, string name, string contentType, string? subject)
    {
        Raw(s, Encoding.ASCII.GetBytes(
            $"Message-ID: <{name}@hostile.example.jp>\r\n{NameField}: {name}\r\nFrom: hostile@example.jp\r\nTo: user@example.jp\r\n" +
            $"Date: Tue, 2 Apr 2024 10:00:00 +0900\r\nMIME-Version: 1.0\r\nContent-Type: {contentType}\r\n"));
        if (subject is not null)
        {
            Raw(s, Encoding.ASCII.GetBytes($"Subject: {subject}\r\n"));
        }
    }

    private static void Multipart(Stream s, string name, string boundary, string body)
    {
        Head(s, name, $"multipart/mixed; boundary=\"{boundary}\"", subject: name);
        Raw(s, "\r\n"u8);
        Raw(s, Encoding.UTF8.GetBytes(body));
    }

    private static void WriteNested(Stream s)
    {
        Head(s, "rfc822-nested-50", "message/rfc822", subject: "nested 50 deep");
        Raw(s, "\r\n"u8);
        for (var depth = 1; depth < NestedDepth; depth++)
        {
            Raw(s, Encoding.ASCII.GetBytes($"Subject: depth {depth}\r\nFrom: n{depth}@example.jp\r\nMIME-Version: 1.0\r\nContent-Type: message/rfc822\r\n\r\n"));
        }

        Raw(s, "Subject: innermost\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"u8);
        Raw(s, "一番内側の本文\r\n"u8);
    }

    private static void WriteManyAttachments(Stream s)
    {
        Head(s, "attachments-10000", "multipart/mixed; boundary=\"att\"", subject: "10,000 attachments");
        Raw(s, "\r\n--att\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n添付 10,000 個\r\n"u8);
        for (var i = 0; i < AttachmentCount; i++)
        {
            Raw(s, Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture,
                $"--att\r\nContent-Type: text/plain; name=\"a{i}.txt\"\r\nContent-Disposition: attachment; filename=\"a{i}.txt\"\r\n\r\nattachment {i}\r\n")));
        }

        Raw(s, "--att--\r\n"u8);
    }

    private static void WriteHuge(Stream s)
    {
        Head(s, "huge-200mb", "multipart/mixed; boundary=\"huge\"", subject: "200 MB");
        Raw(s, "\r\n--huge\r\nContent-Type: text/plain\r\n\r\nlarge attachment follows\r\n--huge\r\nContent-Type: application/octet-stream; name=\"big.bin\"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"big.bin\"\r\n\r\n"u8);
        var line = new byte[78];
        for (var i = 0; i < 76; i++)
        {
            line[i] = (byte)"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[(i * 7) % 64];
        }

        line[76] = (byte)'\r';
        line[77] = (byte)'\n';
        while (s.Position + line.Length + 16 < HugeBytes)
        {
            s.Write(line);
        }

        Raw(s, "--huge--\r\n"u8);
    }

    private static void Repeat(Stream s, byte value, int count)
    {
        var block = new byte[64 * 1024];
        block.AsSpan().Fill(value);
        for (var left = count; left > 0; left -= block.Length)
        {
            s.Write(block, 0, Math.Min(left, block.Length));
        }
    }

    private static void Raw(Stream s, ReadOnlySpan<byte> bytes) => s.Write(bytes);
}

/// <summary>A message as a server holds it, read back by <see cref="HostileMailCorpus.ReadAsync"/>.</summary>
public sealed record HeldMessage(string Folder, uint Uid, string Sha256, long Size, string? HostileName);
