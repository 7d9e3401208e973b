using System.Buffers;
using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Dxmig.Contracts;

namespace Dxmig.Imap;

/// <summary>
/// A minimal IMAP connection for the two byte-moving commands, everything else being MailKit's: APPEND, so a message's
/// bytes go to the target exactly as they were read (MailKit appends only a parsed MimeMessage, and re-serialising
/// changes broken MIME and raw 8-bit headers), several messages per MULTIAPPEND with non-synchronising literals
/// (LITERAL+) so a batch costs one round trip; and UID FETCH of bodies, each literal streamed straight from the socket
/// into its spool (MailKit first buffers every literal in memory). Same TLS rules and certificate check as every
/// other connection (<see cref="ImapConnector.Validator"/>).
/// </summary>
public sealed class RawImapConnection : IAsyncDisposable
{
    private readonly TcpClient tcp;
    private Stream stream;
    private BufferedStream writer;
    /// <summary>
    /// Responses are read in large blocks: one read from the socket then holds many small messages' lines and bodies
    /// (fewer system calls and thread hand-offs than one read per literal); large bodies bypass it.
    /// </summary>
    private readonly byte[] readBuffer = new byte[128 * 1024];
    private int readStart;
    private int readEnd;
    private int tag;

    private RawImapConnection(TcpClient tcp, Stream stream)
    {
        this.tcp = tcp;
        this.stream = stream;
        writer = new BufferedStream(stream, 256 * 1024);
    }

    public bool LiteralPlus { get; private set; }

    public bool MultiAppend { get; private set; }

    public bool UidPlus { get; private set; }

    /// <exception cref="AccountFailedException">The server cannot be reached, its certificate is refused, or the login fails.</exception>
    public static async Task<RawImapConnection> ConnectAsync(ImapEndpoint endpoint, string account, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var tcp = new TcpClient { NoDelay = true, SendTimeout = (int)endpoint.Timeout.TotalMilliseconds, ReceiveTimeout = (int)endpoint.Timeout.TotalMilliseconds };
        RawImapConnection? appender = null;
        try
        {
            await tcp.ConnectAsync(endpoint.Host, endpoint.Port, cancellationToken);
            Stream stream = tcp.GetStream();
            if (endpoint.Security == ImapSecurity.Tls)
            {
                stream = await TlsAsync(stream, endpoint, cancellationToken);
            }
            else if (endpoint.Security == ImapSecurity.None && !endpoint.IsLoopback)
            {
                throw new ConfigurationException($"平文の IMAP はループバックにだけ使えます: {endpoint} / plain IMAP is allowed only to a loopback address: {endpoint}");
            }

            appender = new RawImapConnection(tcp, stream);
            await appender.ReadLineAsync(cancellationToken); // greeting
            if (endpoint.Security == ImapSecurity.StartTls)
            {
                await appender.CommandAsync("STARTTLS", cancellationToken);
                appender.stream = await TlsAsync(appender.stream, endpoint, cancellationToken);
                appender.writer = new BufferedStream(appender.stream, 256 * 1024);
            }

            var capabilities = await appender.CapabilitiesAsync(cancellationToken);
            await appender.LoginAsync(endpoint, account, capabilities, cancellationToken);
            capabilities = await appender.CapabilitiesAsync(cancellationToken);
            appender.LiteralPlus = capabilities.Contains("LITERAL+");
            appender.MultiAppend = capabilities.Contains("MULTIAPPEND");
            appender.UidPlus = capabilities.Contains("UIDPLUS");
            return appender;
        }
        catch (Exception ex) when (ex is SocketException or IOException or System.Security.Authentication.AuthenticationException)
        {
            if (appender is not null)
            {
                await appender.DisposeAsync();
            }
            else
            {
                tcp.Dispose();
            }

            var japanese = $"{endpoint} に接続できません ({ex.GetType().Name}: {ex.Message})";
            var english = $"cannot connect to {endpoint} ({ex.GetType().Name}: {ex.Message})";
            var kind = ex switch
            {
                SocketException socket => EndpointFailure.Of(socket.SocketErrorCode),
                System.Security.Authentication.AuthenticationException => EndpointFailureKind.Certificate,
                _ => null,
            };
            throw kind is { } k
                ? new EndpointUnreachableException("IMAP", string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{endpoint.Host}:{endpoint.Port}"), k, japanese, english, ex)
                : new AccountFailedException(japanese, english, ex);
        }
        catch
        {
            if (appender is not null)
            {
                await appender.DisposeAsync();
            }
            else
            {
                tcp.Dispose();
            }

            throw;
        }
    }

    /// <summary>Appends the messages to one mailbox (full name, decoded) in one command where the server allows it.</summary>
    /// <exception cref="ImapAppendRefusedException">The server said NO; with several messages, none of them was appended.</exception>
    /// <exception cref="IOException">The connection was lost; some messages may have been appended.</exception>
    public async Task<AppendResult> AppendAsync(string mailbox, IReadOnlyList<AppendItem> items, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (items.Count == 0)
        {
            return new AppendResult(0, []);
        }

        if (items.Count > 1 && !MultiAppend)
        {
            var uids = new List<uint>();
            uint validity = 0;
            foreach (var item in items)
            {
                var one = await AppendAsync(mailbox, [item], cancellationToken);
                validity = one.UidValidity;
                uids.AddRange(one.Uids);
            }

            return new AppendResult(validity, uids);
        }

        var id = await SendAppendAsync(mailbox, items, cancellationToken);
        var final = await ReadTaggedAsync(id, cancellationToken);
        return ParseAppendUid(final, items.Count);
    }

    /// <summary>
    /// Sends APPEND commands (each one MULTIAPPEND) one ahead of their answers: command i+1 is on its way while the
    /// server finishes command i, so the server goes from one to the next without waiting for this side. Each answer
    /// is handed to <paramref name="appended"/> as it comes (the caller can give those messages' memory back at once);
    /// the outcomes come back in order, one per command. Without LITERAL+ (or, for several messages per command, without
    /// MULTIAPPEND) the commands go one by one.
    /// </summary>
    /// <exception cref="IOException">The connection was lost; some of the messages may have been appended.</exception>
    public async Task<IReadOnlyList<AppendOutcome>> AppendPipelinedAsync(
        IReadOnlyList<(string Mailbox, IReadOnlyList<AppendItem> Items)> commands, Func<int, AppendResult, Task> appended, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(commands);
        ArgumentNullException.ThrowIfNull(appended);
        // Without MULTIAPPEND (Exchange) single-message APPENDs still go one ahead of their answers with LITERAL+.
        var pipelined = LiteralPlus && (MultiAppend || commands.All(c => c.Items.Count == 1));
        var outcomes = new AppendOutcome[commands.Count];
        var tags = new string?[commands.Count];
        // Once the server asks to back off, the commands not yet sent are not sent (each would only be refused and count
        // as an error towards Exchange's disconnect): they come back with the same answer, to be sent after the wait.
        string? throttled = null;
        for (var i = 0; i <= commands.Count; i++)
        {
            if (i < commands.Count)
            {
                if (throttled is not null)
                {
                    outcomes[i] = new AppendOutcome(null, throttled);
                }
                else if (!pipelined)
                {
                    outcomes[i] = await OutcomeAsync(i, () => AppendAsync(commands[i].Mailbox, commands[i].Items, cancellationToken));
                    throttled = ImapOAuth.Backoff(outcomes[i].Refusal) is null ? null : outcomes[i].Refusal;
                    continue;
                }
                else
                {
                    tags[i] = await SendAppendAsync(commands[i].Mailbox, commands[i].Items, cancellationToken);
                }
            }

            if (pipelined && i > 0 && tags[i - 1] is { } tag)
            {
                var answered = i - 1;
                outcomes[answered] = await OutcomeAsync(
                    answered, async () => ParseAppendUid(await ReadTaggedAsync(tag, cancellationToken), commands[answered].Items.Count));
                throttled ??= ImapOAuth.Backoff(outcomes[answered].Refusal) is null ? null : outcomes[answered].Refusal;
            }
        }

        return outcomes;

        async Task<AppendOutcome> OutcomeAsync(int index, Func<Task<AppendResult>> answer)
        {
            AppendResult result;
            try
            {
                result = await answer();
            }
            catch (ImapAppendRefusedException ex)
            {
                return new AppendOutcome(null, ex.Message);
            }

            await appended(index, result);
            return new AppendOutcome(result, null);
        }
    }

    /// <summary>Writes one APPEND command with its messages (waiting for each continuation only without LITERAL+); returns its tag.</summary>
    private async Task<string> SendAppendAsync(string mailbox, IReadOnlyList<AppendItem> items, CancellationToken cancellationToken)
    {
        var id = NextTag();
        var head = new StringBuilder().Append(id).Append(" APPEND ").Append(Quote(ModifiedUtf7.Encode(mailbox)));
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            try
            {
                WriteFence.Check();
            }
            catch
            {
                // Lost mid-command (a cluster node frozen and taken over): the connection is cut, so the server drops the
                // unfinished (atomic) MULTIAPPEND instead of taking the rest of it later.
                stream.Dispose();
                throw;
            }

            head.Append(" (").Append(string.Join(' ', item.Flags)).Append(')');
            if (item.InternalDate is { } date)
            {
                head.Append(" \"").Append(FormatDate(date)).Append('"');
            }

            head.Append(" {").Append(item.Length.ToString(CultureInfo.InvariantCulture)).Append(LiteralPlus ? "+}" : "}").Append("\r\n");
            await WriteAsync(head.ToString(), cancellationToken);
            head.Clear();
            if (!LiteralPlus)
            {
                var reply = await ReadResponseAsync(cancellationToken);
                if (!reply.StartsWith('+'))
                {
                    ThrowFor(id, reply);
                }
            }

            await using (var content = item.Open())
            {
                await content.CopyToAsync(writer, 81920, cancellationToken);
            }
        }

        await WriteAsync("\r\n", cancellationToken);
        return id;
    }

    /// <summary>The mailbox EXAMINEd last (read-only), and its UIDVALIDITY.</summary>
    private (string Mailbox, uint UidValidity)? examined;

    /// <summary>
    /// Streams the bodies of the messages (BODY.PEEK[], so no \Seen is set) of one mailbox in one UID FETCH: each
    /// literal goes to <paramref name="spool"/> as it arrives. Returns what each UID's spool made.
    /// </summary>
    /// <exception cref="InvalidOperationException">The mailbox's UIDVALIDITY is no longer <paramref name="uidValidity"/>.</exception>
    /// <exception cref="IOException">The connection was lost.</exception>
    public async Task<Dictionary<uint, T>> FetchBodiesAsync<T>(
        string mailbox, uint uidValidity, IReadOnlyCollection<uint> uids, Func<Stream, long, CancellationToken, Task<T>> spool, CancellationToken cancellationToken)
        where T : IDisposable
    {
        ArgumentNullException.ThrowIfNull(uids);
        ArgumentNullException.ThrowIfNull(spool);
        var results = new Dictionary<uint, T>();
        if (uids.Count == 0)
        {
            return results;
        }

        try
        {
            await ExamineAsync(mailbox, uidValidity, cancellationToken);
            var id = NextTag();
            await WriteAsync($"{id} UID FETCH {UidSet(uids)} (UID BODY.PEEK[])\r\n", cancellationToken);
            while (true)
            {
                var line = await ReadLineAsync(cancellationToken);
                if (line.StartsWith(id + " ", StringComparison.Ordinal))
                {
                    if (!line[(id.Length + 1)..].StartsWith("OK", StringComparison.OrdinalIgnoreCase))
                    {
                        ThrowFor(id, line);
                    }

                    return results;
                }

                if (LiteralSize(line) is not { } size)
                {
                    continue;
                }

                if (!line.StartsWith("* ", StringComparison.Ordinal) || !line.Contains("BODY[]", StringComparison.OrdinalIgnoreCase))
                {
                    await SkipAsync((int)size, cancellationToken);
                    continue;
                }

                var literal = new LiteralStream(this, size);
                var content = await spool(literal, size, cancellationToken);
                await literal.DrainAsync(cancellationToken);
                var rest = await ReadLineAsync(cancellationToken);
                if ((UidOf(line) ?? UidOf(rest)) is { } uid)
                {
                    if (results.Remove(uid, out var previous))
                    {
                        previous.Dispose();
                    }

                    results[uid] = content;
                }
                else
                {
                    content.Dispose();
                    throw new IOException($"a FETCH response without UID: {line}");
                }
            }
        }
        catch
        {
            foreach (var content in results.Values)
            {
                content.Dispose();
            }

            throw;
        }
    }

    private async Task ExamineAsync(string mailbox, uint uidValidity, CancellationToken cancellationToken)
    {
        if (examined is { } current && current.Mailbox == mailbox && current.UidValidity == uidValidity)
        {
            return;
        }

        var id = NextTag();
        await WriteAsync($"{id} EXAMINE {Quote(ModifiedUtf7.Encode(mailbox))}\r\n", cancellationToken);
        uint? validity = null;
        while (true)
        {
            var line = await ReadResponseAsync(cancellationToken);
            var at = line.IndexOf("[UIDVALIDITY ", StringComparison.OrdinalIgnoreCase);
            if (at >= 0)
            {
                var end = line.IndexOf(']', at);
                validity = uint.Parse(line.AsSpan(at + 13, end - at - 13), NumberStyles.None, CultureInfo.InvariantCulture);
            }

            if (line.StartsWith(id + " ", StringComparison.Ordinal))
            {
                if (!line[(id.Length + 1)..].StartsWith("OK", StringComparison.OrdinalIgnoreCase))
                {
                    examined = null;
                    ThrowFor(id, line);
                }

                break;
            }
        }

        if (validity != uidValidity)
        {
            examined = null;
            throw new InvalidOperationException($"the UIDVALIDITY of {mailbox} changed during the run ({uidValidity} → {validity})");
        }

        examined = (mailbox, uidValidity);
    }

    internal static string UidSet(IEnumerable<uint> uids)
    {
        var sorted = uids.Distinct().Order().ToList();
        var parts = new List<string>();
        for (var i = 0; i < sorted.Count; i++)
        {
            var start = sorted[i];
            while (i + 1 < sorted.Count && sorted[i + 1] == sorted[i] + 1)
            {
                i++;
            }

            parts.Add(start == sorted[i] ? start.ToString(CultureInfo.InvariantCulture) : $"{start}:{sorted[i]}");
        }

        return string.Join(',', parts);
    }

    private static long? LiteralSize(string line)
    {
        if (!line.EndsWith('}'))
        {
            return null;
        }

        var open = line.LastIndexOf('{');
        return open >= 0 && long.TryParse(line.AsSpan(open + 1, line.Length - open - 2).TrimEnd('+'), NumberStyles.None, CultureInfo.InvariantCulture, out var size)
            ? size
            : null;
    }

    private static uint? UidOf(string text)
    {
        var at = text.IndexOf("UID ", StringComparison.OrdinalIgnoreCase);
        while (at >= 0)
        {
            if (at == 0 || text[at - 1] is '(' or ' ')
            {
                var start = at + 4;
                var end = start;
                while (end < text.Length && char.IsAsciiDigit(text[end]))
                {
                    end++;
                }

                if (end > start)
                {
                    return uint.Parse(text.AsSpan(start, end - start), NumberStyles.None, CultureInfo.InvariantCulture);
                }
            }

            at = text.IndexOf("UID ", at + 4, StringComparison.OrdinalIgnoreCase);
        }

        return null;
    }

    /// <summary>Exactly one literal's bytes, read from the connection's buffer then its socket.</summary>
    private sealed class LiteralStream(RawImapConnection connection, long size) : Stream
    {
        private readonly long total = size;
        private long remaining = size;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => total;

        public override long Position
        {
            get => total - remaining;
            set => throw new NotSupportedException();
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (remaining == 0 || buffer.Length == 0)
            {
                return 0;
            }

            var read = await connection.ReadSomeAsync(buffer[..(int)Math.Min(buffer.Length, remaining)], cancellationToken);
            remaining -= read;
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

        /// <summary>Reads whatever the spool left unread, so the response can go on.</summary>
        public async Task DrainAsync(CancellationToken cancellationToken)
        {
            if (remaining == 0)
            {
                return;
            }

            var scratch = ArrayPool<byte>.Shared.Rent(8192);
            try
            {
                while (await ReadAsync(scratch, cancellationToken) > 0)
                {
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(scratch);
            }
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>Some bytes: first what the line reader buffered, then straight from the socket.</summary>
    private async ValueTask<int> ReadSomeAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (readStart < readEnd)
        {
            var take = Math.Min(destination.Length, readEnd - readStart);
            readBuffer.AsMemory(readStart, take).CopyTo(destination);
            readStart += take;
            return take;
        }

        await writer.FlushAsync(cancellationToken);
        if (destination.Length < readBuffer.Length / 2)
        {
            // A small rest: fill the block, so what follows it (the next lines and bodies) comes with the same read.
            await FillAsync(cancellationToken);
            return await ReadSomeAsync(destination, cancellationToken);
        }

        var read = await stream.ReadAsync(destination, cancellationToken);
        if (read == 0)
        {
            throw new IOException("the IMAP server closed the connection");
        }

        return read;
    }

    private async ValueTask FillAsync(CancellationToken cancellationToken)
    {
        readStart = 0;
        readEnd = await stream.ReadAsync(readBuffer, cancellationToken);
        if (readEnd == 0)
        {
            throw new IOException("the IMAP server closed the connection");
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (tcp.Connected)
            {
                await WriteAsync($"{NextTag()} LOGOUT\r\n", CancellationToken.None);
                await writer.FlushAsync(CancellationToken.None);
            }
        }
        catch (IOException)
        {
            // Already gone.
        }

        await writer.DisposeAsync();
        await stream.DisposeAsync();
        tcp.Dispose();
    }

    internal static string FormatDate(DateTimeOffset date) =>
        date.ToString("dd-MMM-yyyy HH:mm:ss ", CultureInfo.InvariantCulture) +
        (date.Offset < TimeSpan.Zero ? "-" : "+") + date.Offset.Duration().ToString("hhmm", CultureInfo.InvariantCulture);

    internal static AppendResult ParseAppendUid(string response, int count)
    {
        var at = response.IndexOf("[APPENDUID ", StringComparison.OrdinalIgnoreCase);
        if (at < 0)
        {
            return new AppendResult(0, []);
        }

        var end = response.IndexOf(']', at);
        var parts = response[(at + 11)..end].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var validity = uint.Parse(parts[0], CultureInfo.InvariantCulture);
        var uids = new List<uint>();
        foreach (var range in parts[1].Split(','))
        {
            var bounds = range.Split(':');
            var first = uint.Parse(bounds[0], CultureInfo.InvariantCulture);
            var last = bounds.Length > 1 ? uint.Parse(bounds[1], CultureInfo.InvariantCulture) : first;
            for (var uid = Math.Min(first, last); uid <= Math.Max(first, last); uid++)
            {
                uids.Add(uid);
            }
        }

        return new AppendResult(validity, uids.Count == count ? uids : []);
    }

    private static async Task<Stream> TlsAsync(Stream inner, ImapEndpoint endpoint, CancellationToken cancellationToken)
    {
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false, ImapConnector.Validator(endpoint));
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = endpoint.Host }, cancellationToken);
        return ssl;
    }

    private static string Quote(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private static void ThrowFor(string id, string response)
    {
        var text = response.StartsWith(id + " ", StringComparison.Ordinal) ? response[(id.Length + 1)..] : response;
        if (ImapOAuth.Backoff(text) is { } backoff)
        {
            throw new ImapThrottledException(text.Trim(), backoff);
        }

        if (text.StartsWith("NO", StringComparison.OrdinalIgnoreCase))
        {
            throw new ImapAppendRefusedException(text.Trim());
        }

        throw new IOException($"unexpected IMAP response: {text.Trim()}");
    }

    private string NextTag() => $"X{++tag:D4}";

    private async Task<HashSet<string>> CapabilitiesAsync(CancellationToken cancellationToken)
    {
        var id = NextTag();
        await WriteAsync($"{id} CAPABILITY\r\n", cancellationToken);
        var capabilities = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        while (true)
        {
            var line = await ReadResponseAsync(cancellationToken);
            if (line.StartsWith("* CAPABILITY ", StringComparison.OrdinalIgnoreCase))
            {
                foreach (var word in line[13..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    capabilities.Add(word);
                }
            }
            else if (line.StartsWith(id + " ", StringComparison.Ordinal))
            {
                if (!line[(id.Length + 1)..].StartsWith("OK", StringComparison.OrdinalIgnoreCase))
                {
                    ThrowFor(id, line);
                }

                return capabilities;
            }
        }
    }

    /// <summary>Logs in: SASL PLAIN with the admin's identities, or XOAUTH2/OAUTHBEARER with a fresh token.</summary>
    private async Task LoginAsync(ImapEndpoint endpoint, string account, HashSet<string> capabilities, CancellationToken cancellationToken)
    {
        string mechanism;
        string payload;
        if (endpoint.LoginMode == ImapLoginMode.OAuth2)
        {
            var token = await (endpoint.TokenSource ?? throw new ConfigurationException("OAuth2 login without a token source")).GetTokenAsync(cancellationToken);
            var bearer = !capabilities.Contains("AUTH=XOAUTH2") && capabilities.Contains("AUTH=OAUTHBEARER");
            (mechanism, payload) = bearer ? ("OAUTHBEARER", ImapOAuth.OAuthBearer(account, token.Token)) : ("XOAUTH2", ImapOAuth.XOAuth2(account, token.Token));
            ImapOAuth.Remember(this, token.ExpiresOn);
        }
        else
        {
            var (authcid, authzid, password) = ImapConnector.Credentials(endpoint, account);
            (mechanism, payload) = ("PLAIN", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{authzid}\0{authcid}\0{password}")));
        }

        var id = NextTag();
        var initial = capabilities.Contains("SASL-IR");
        await WriteAsync(initial ? $"{id} AUTHENTICATE {mechanism} {payload}\r\n" : $"{id} AUTHENTICATE {mechanism}\r\n", cancellationToken);
        while (true)
        {
            var line = await ReadResponseAsync(cancellationToken);
            if (line.StartsWith('+'))
            {
                // The first continuation asks for the credentials; one after them carries the server's error
                // (XOAUTH2/OAUTHBEARER) and wants an empty answer before the NO.
                await WriteAsync(initial ? "\r\n" : payload + "\r\n", cancellationToken);
                initial = true;
                continue;
            }

            if (!line.StartsWith(id + " ", StringComparison.Ordinal))
            {
                continue;
            }

            if (line[(id.Length + 1)..].StartsWith("OK", StringComparison.OrdinalIgnoreCase))
            {
                return;
            }

            throw endpoint.LoginMode == ImapLoginMode.OAuth2
                ? ImapConnector.OAuthRefused(endpoint, account)
                : endpoint.LoginMode == ImapLoginMode.PerAccount
                ? ImapConnector.PerAccountRefused(endpoint, account)
                : new AccountFailedException($"{endpoint} へのログインが拒否されました (アカウント {account})", $"login to {endpoint} refused for account {account}");
        }
    }

    private async Task<string> CommandAsync(string command, CancellationToken cancellationToken)
    {
        var id = NextTag();
        await WriteAsync($"{id} {command}\r\n", cancellationToken);
        return await ReadTaggedAsync(id, cancellationToken);
    }

    private async Task<string> ReadTaggedAsync(string id, CancellationToken cancellationToken)
    {
        while (true)
        {
            var line = await ReadResponseAsync(cancellationToken);
            if (!line.StartsWith(id + " ", StringComparison.Ordinal))
            {
                continue; // untagged data (EXISTS, capabilities) or a continuation for a literal we already sent
            }

            if (!line[(id.Length + 1)..].StartsWith("OK", StringComparison.OrdinalIgnoreCase))
            {
                ThrowFor(id, line);
            }

            return line;
        }
    }

    /// <summary>One response line; a literal inside it ({n}) is read and skipped.</summary>
    private async Task<string> ReadResponseAsync(CancellationToken cancellationToken)
    {
        var line = await ReadLineAsync(cancellationToken);
        while (line.EndsWith('}') && line.LastIndexOf('{') is var open and >= 0 &&
               int.TryParse(line.AsSpan(open + 1, line.Length - open - 2).TrimEnd('+'), NumberStyles.None, CultureInfo.InvariantCulture, out var size))
        {
            await SkipAsync(size, cancellationToken);
            line = line[..open] + await ReadLineAsync(cancellationToken);
        }

        return line;
    }

    private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        // Nearly every line lies whole in the block; one that crosses its end is gathered piece by piece.
        List<byte>? gathered = null;
        while (true)
        {
            if (readStart == readEnd)
            {
                await writer.FlushAsync(cancellationToken);
                await FillAsync(cancellationToken);
            }

            var available = readBuffer.AsSpan(readStart, readEnd - readStart);
            var end = available.IndexOf((byte)'\n');
            if (end < 0)
            {
                (gathered ??= new List<byte>(256)).AddRange(available);
                readStart = readEnd;
                continue;
            }

            readStart += end + 1;
            var line = available[..end];
            if (gathered is not null)
            {
                gathered.AddRange(line);
                line = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(gathered);
            }

            return Encoding.UTF8.GetString(line.EndsWith((byte)'\r') ? line[..^1] : line);
        }
    }

    private async Task SkipAsync(int count, CancellationToken cancellationToken)
    {
        while (count > 0)
        {
            if (readStart == readEnd)
            {
                await FillAsync(cancellationToken);
            }

            var take = Math.Min(count, readEnd - readStart);
            readStart += take;
            count -= take;
        }
    }

    private async Task WriteAsync(string text, CancellationToken cancellationToken)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        await writer.WriteAsync(bytes, cancellationToken);
    }
}
