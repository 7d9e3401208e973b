using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Dxmig.TestSupport.Exchange;

/// <summary>One client connection of an <see cref="ExchangeImapProxy"/> and its upstream connection.</summary>
internal sealed partial class ExchangeImapSession(ExchangeImapProxy proxy, int number, Socket client) : IDisposable
{
    private const int MaxLineLength = 1 << 20;

    /// <summary>Literals of other commands than APPEND (mailbox names, search strings) are held in memory: at most this.</summary>
    private const int MaxOtherLiteral = 1 << 20;

    private static readonly TimeSpan DrainTime = TimeSpan.FromSeconds(2);

    private static readonly HashSet<string> SupportedCommands = new(StringComparer.Ordinal)
    {
        "CAPABILITY", "NOOP", "LOGOUT", "AUTHENTICATE", "LOGIN", "ID", "SELECT", "EXAMINE", "CREATE", "DELETE", "RENAME",
        "SUBSCRIBE", "UNSUBSCRIBE", "LIST", "LSUB", "NAMESPACE", "STATUS", "APPEND", "IDLE", "CHECK", "CLOSE", "UNSELECT",
        "EXPUNGE", "SEARCH", "FETCH", "STORE", "COPY", "MOVE", "UID FETCH", "UID SEARCH", "UID STORE", "UID COPY",
        "UID MOVE", "UID EXPUNGE",
    };

    private static readonly HashSet<string> Rfc3501StatusItems = new(StringComparer.OrdinalIgnoreCase)
    {
        "MESSAGES", "RECENT", "UIDNEXT", "UIDVALIDITY", "UNSEEN",
    };

    private readonly Socket upstream = new(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
    private readonly SemaphoreSlim clientWrite = new(1, 1);
    private readonly CancellationTokenSource closing = new();
    private readonly ConcurrentDictionary<string, LocalAnswer> substitutions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, PendingLogin> pendingLogins = new(StringComparer.Ordinal);
    private readonly ExchangeImapProxyOptions options = proxy.Options;
    private NetworkStream? clientStream;
    private NetworkStream? upstreamStream;
    private volatile string? mailbox;
    private string? heldSlot;
    private readonly Lock stateGate = new();
    private DateTimeOffset? tokenExpiry;
    private int consecutiveErrors;
    private ExchangeThrottleRecord? awaitingNextCommand;
    private volatile Waiter? waiter;
    private int closed;
    private int ending;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        client.NoDelay = true;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, closing.Token);
        var token = linked.Token;
        try
        {
            await upstream.ConnectAsync(new DnsEndPoint(proxy.TargetHost, proxy.TargetPort), token);
            clientStream = new NetworkStream(client, ownsSocket: false);
            upstreamStream = new NetworkStream(upstream, ownsSocket: false);
            var pump = Guard(PumpServerAsync(token));
            var reader = Guard(ReadClientAsync(token));
            await Task.WhenAny(pump, reader);
            // Whichever side ended, the client is told by a FIN after everything written, and gets a moment to read it
            // and close: closing at once with its unread bytes pending would send RST and could lose the last answer.
            EndClientSide();
            await Task.WhenAll(pump, reader);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // The server refused, or the proxy is stopping.
        }
        finally
        {
            Dispose();
        }
    }

    /// <summary>Closes the connection, gives back its mailbox's connection slot and frees what it holds.</summary>
    public void Dispose()
    {
        Close();
        ReleaseSlot();
        foreach (var tag in pendingLogins.Keys)
        {
            if (pendingLogins.TryRemove(tag, out var login))
            {
                proxy.ReleaseConnection(login.Mailbox);
            }
        }

        clientStream?.Dispose();
        upstreamStream?.Dispose();
        client.Dispose();
        upstream.Dispose();
        closing.Dispose();
        clientWrite.Dispose();
    }

    /// <summary>Closes both sockets at once (the proxy is stopping, or this connection is done).</summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref closed, 1) != 0)
        {
            return;
        }

        try
        {
            closing.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already finished.
        }

        foreach (var socket in new[] { client, upstream })
        {
            try
            {
                socket.Close();
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // Already gone.
            }
        }
    }

    private static async Task Guard(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException or IOException
            or InvalidDataException)
        {
            // The connection ended (either side closed, or the proxy stopped).
        }
    }

    private void EndClientSide()
    {
        if (Interlocked.Exchange(ref ending, 1) != 0)
        {
            return;
        }

        try
        {
            upstream.Close();
            client.Shutdown(SocketShutdown.Send);
            closing.CancelAfter(DrainTime);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already gone.
        }
    }

    // ---- client to server ----

    private async Task ReadClientAsync(CancellationToken cancellationToken)
    {
        var reader = new ImapStreamReader(clientStream!);
        try
        {
            while (Volatile.Read(ref ending) == 0 && await HandleNextCommandAsync(reader, cancellationToken))
            {
            }
        }
        catch (Exception ex) when (Volatile.Read(ref ending) != 0 && ex is IOException or SocketException or ObjectDisposedException)
        {
            // The upstream side was closed under a command being forwarded (a BYE was sent): drain as below.
        }

        // After a BYE or the server's end: read and drop what the client still sends until it closes.
        while (await reader.ReadLineAsync(MaxLineLength, cancellationToken) is not null)
        {
        }
    }

    /// <summary>Reads one command whole and forwards it, or answers it; false at the end of the client's stream.</summary>
    private async Task<bool> HandleNextCommandAsync(ImapStreamReader reader, CancellationToken cancellationToken)
    {
        var parts = new List<ImapCommandPart>();
        while (true)
        {
            var line = await reader.ReadLineAsync(MaxLineLength, cancellationToken);
            if (line is null)
            {
                return false;
            }

            var hasLiteral = ImapStreamReader.TryGetLiteral(line, out var size, out var synchronizing, out var marker);
            var text = line.AsSpan(0, hasLiteral ? marker : TextLength(line)).ToArray();
            var head = new ImapCommand([.. parts, new ImapCommandPart(text, null)]);
            Refusal? refusal = null;
            if (parts.Count == 0)
            {
                refusal = await StartCommandAsync(head, cancellationToken);
                if (refusal is { Bye: true })
                {
                    return false;
                }
            }

            if (!hasLiteral)
            {
                parts.Add(new ImapCommandPart(text, null));
                if (refusal is { } early)
                {
                    await AnswerLocallyAsync(head, early, cancellationToken);
                    return true;
                }

                break;
            }

            refusal ??= LiteralRefusal(head, size);
            if (refusal is { } r)
            {
                // A synchronizing literal is refused before the client sends it; a non-synchronizing one is on its way
                // and is read and dropped, with the rest of the command, before the answer.
                while (!synchronizing)
                {
                    await reader.CopyAsync(size, null, cancellationToken);
                    var rest = await reader.ReadLineAsync(MaxLineLength, cancellationToken);
                    if (rest is null)
                    {
                        return false;
                    }

                    if (!ImapStreamReader.TryGetLiteral(rest, out size, out synchronizing, out _))
                    {
                        break;
                    }
                }

                await AnswerLocallyAsync(head, r, cancellationToken);
                return true;
            }

            if (synchronizing)
            {
                await WriteClientAsync(ExchangeImapTexts.Continuation + "\r\n", cancellationToken);
            }

            parts.Add(new ImapCommandPart(text, await reader.ReadBytesAsync((int)size, cancellationToken)));
        }

        await ProcessAsync(reader, new ImapCommand(parts), cancellationToken);
        return true;
    }

    private static int TextLength(byte[] line) =>
        line.Length - (line.Length >= 2 && line[^2] == '\r' ? 2 : line.Length >= 1 && line[^1] == '\n' ? 1 : 0);

    /// <summary>What applies as soon as a command starts: the wait after a throttled answer is recorded, an expired
    /// token ends the session, a throttled mailbox is refused.</summary>
    private async Task<Refusal?> StartCommandAsync(ImapCommand head, CancellationToken cancellationToken)
    {
        var now = proxy.Time.GetUtcNow();
        // LOGOUT is never refused (Exchange lets a throttled client leave), so it is not the command that must wait.
        if (head.Name != "LOGOUT" && Interlocked.Exchange(ref awaitingNextCommand, null) is { } previous)
        {
            previous.WaitedBeforeNextCommand = now - previous.AnsweredAt;
        }

        proxy.CountCommand(head.Name);
        DateTimeOffset? expiresAt;
        lock (stateGate)
        {
            expiresAt = tokenExpiry;
        }

        if (expiresAt is { } expiry && now >= expiry)
        {
            await ByeAsync(ExchangeImapTexts.AccessTokenExpired, $"token expired at {expiry:O}", cancellationToken);
            return new Refusal("", "", Bye: true);
        }

        if (mailbox is { } user && head.Name != "LOGOUT" && proxy.Throttle(user, now) is { } throttle)
        {
            var milliseconds = Math.Max(1, (long)Math.Ceiling(throttle.Backoff.TotalMilliseconds));
            var text = ExchangeImapTexts.Throttled(milliseconds);
            return new Refusal(options.ThrottledStatus, text, Throttle: new ThrottleInfo(user, head.Name, throttle.Backoff, throttle.WithinEarlier));
        }

        // One mailbox seen through IMAP and Graph: what Graph wrote is brought in before IMAP reads the folders.
        if (mailbox is { } reader && options.BeforeMailboxRead is { } bringIn && head.Name is "LIST" or "SELECT" or "EXAMINE" or "STATUS")
        {
            await bringIn(reader, cancellationToken);
        }

        return null;
    }

    /// <summary>A literal refused before it is read: an APPEND's second message (MULTIAPPEND) or a message over the limit.</summary>
    private Refusal? LiteralRefusal(ImapCommand head, long size)
    {
        if (head.Name != "APPEND")
        {
            return size > MaxOtherLiteral ? new Refusal("BAD", ExchangeImapTexts.ArgumentError) : null;
        }

        var arguments = head.Arguments;
        if (arguments.Count == 0)
        {
            return null; // the mailbox name as a literal
        }

        var messages = arguments.Skip(1).Count(t => t.Kind == ImapTokenKind.Literal);
        if (messages > 0 && options.RefuseUnsupported)
        {
            return new Refusal("BAD", ExchangeImapTexts.ArgumentError);
        }

        if (options.MaxMessageSize is { } limit && size > limit)
        {
            return new Refusal("NO", ExchangeImapTexts.MessageTooLarge);
        }

        return size > int.MaxValue - 64 ? new Refusal("BAD", ExchangeImapTexts.ArgumentError) : null;
    }

    private async Task ProcessAsync(ImapStreamReader reader, ImapCommand command, CancellationToken cancellationToken)
    {
        if (command.Tag.Length == 0 || command.Name.Length == 0)
        {
            await WriteUpstreamAsync(command.Parts, cancellationToken);
            return;
        }

        if ((options.RefuseUnsupported && Unsupported(command) is { } unsupported) || (unsupported = UnkeptKeyword(command)) is not null)
        {
            await AnswerLocallyAsync(command, unsupported, cancellationToken);
            return;
        }

        switch (command.Name)
        {
            case "CREATE" when ReservedName(command) is { } reserved:
                await AnswerLocallyAsync(command, reserved, cancellationToken);
                return;
            case "LOGIN":
                await LoginAsync(command, cancellationToken);
                return;
            case "AUTHENTICATE":
                await AuthenticateAsync(reader, command, cancellationToken);
                return;
            case "IDLE":
                await IdleAsync(reader, command, cancellationToken);
                return;
            case "APPEND":
                await AppendAsync(command, cancellationToken);
                return;
            default:
                await WriteUpstreamAsync(command.Parts, cancellationToken);
                return;
        }
    }

    private static Refusal? Unsupported(ImapCommand command)
    {
        if (!SupportedCommands.Contains(command.Name))
        {
            return new Refusal("BAD", ExchangeImapTexts.UnknownCommand);
        }

        var arguments = command.Arguments;
        var atoms = arguments.Where(t => t.Kind == ImapTokenKind.Atom).Select(t => t.Text.ToUpperInvariant()).ToList();
        var refused = command.Name switch
        {
            // CONDSTORE/QRESYNC select parameters.
            "SELECT" or "EXAMINE" => arguments.Count != 1,
            // LIST-EXTENDED selection or return options, several patterns; LSUB likewise.
            "LIST" or "LSUB" => arguments.Count != 2 || !arguments.All(t => t.IsString),
            "STATUS" => arguments.Count < 3 || arguments[1].Kind != ImapTokenKind.Open
                || arguments.Skip(2).Where(t => t.Depth == 1 && t.IsString).Any(t => !Rfc3501StatusItems.Contains(t.Value)),
            "FETCH" or "UID FETCH" => atoms.Any(a => a is "CHANGEDSINCE" or "VANISHED" or "MODSEQ"
                || a.StartsWith("BINARY", StringComparison.Ordinal)),
            "STORE" or "UID STORE" => atoms.Contains("UNCHANGEDSINCE"),
            "SEARCH" or "UID SEARCH" => atoms.FirstOrDefault() == "RETURN" || atoms.Contains("MODSEQ") || atoms.Contains("FUZZY"),
            // MULTIAPPEND (a second message), CATENATE and UTF8 (RFC 6855) appends.
            "APPEND" => command.LiteralCount - (arguments.Count > 0 && arguments[0].Kind == ImapTokenKind.Literal ? 1 : 0) != 1
                || atoms.Contains("CATENATE") || atoms.Contains("UTF8"),
            // CREATE-SPECIAL-USE.
            "CREATE" => arguments.Count != 1,
            _ => false,
        };
        return refused ? new Refusal("BAD", ExchangeImapTexts.ArgumentError) : null;
    }

    /// <summary>
    /// A keyword Exchange does not keep, in APPEND's flag list or a STORE: Exchange's PERMANENTFLAGS are the system flags
    /// and <c>$MDNSent</c> only (its SELECT answer in node-imap issue #602), and a STORE of another keyword is answered
    /// <c>BAD Command Argument Error. 11</c> there. Whether Exchange refuses or drops one in APPEND is not documented:
    /// the proxy refuses it, the strict reading.
    /// </summary>
    private Refusal? UnkeptKeyword(ImapCommand command)
    {
        if (options.KeptKeywords is not { } kept || command.Name is not ("APPEND" or "STORE" or "UID STORE"))
        {
            return null;
        }

        var arguments = command.Arguments;
        IEnumerable<ImapToken> flags;
        if (command.Name == "APPEND")
        {
            flags = arguments.Count > 1 && arguments[1].Kind == ImapTokenKind.Open
                ? arguments.Skip(2).TakeWhile(t => t.Kind != ImapTokenKind.Close)
                : [];
        }
        else
        {
            flags = arguments.SkipWhile(t => !(t.Kind == ImapTokenKind.Atom && t.Text.TrimStart('+', '-').StartsWith("FLAGS", StringComparison.OrdinalIgnoreCase)))
                .Skip(1).Where(t => t.Kind == ImapTokenKind.Atom);
        }

        var unkept = flags.FirstOrDefault(t => t.Kind == ImapTokenKind.Atom && !t.Text.StartsWith('\\')
            && !kept.Contains(t.Text, StringComparer.OrdinalIgnoreCase));
        return unkept.Text is { Length: > 0 } ? new Refusal("BAD", ExchangeImapTexts.KeywordArgumentError) : null;
    }

    private Refusal? ReservedName(ImapCommand command)
    {
        if (command.Arguments.Count == 0 || !command.Arguments[0].IsString)
        {
            return null;
        }

        var name = command.Arguments[0].Value.TrimEnd('/');
        if (options.ReservedFolderNames.Any(r => string.Equals(r, name, StringComparison.OrdinalIgnoreCase)))
        {
            return new Refusal("NO", ExchangeImapTexts.FolderNameReserved);
        }

        return options.RefusedFolderNameCharacters.Length > 0 && name.IndexOfAny(options.RefusedFolderNameCharacters.ToCharArray()) >= 0
            ? new Refusal("NO", ExchangeImapTexts.FolderNameInvalid)
            : null;
    }

    private async Task LoginAsync(ImapCommand command, CancellationToken cancellationToken)
    {
        if (command.Arguments.Count > 0 && command.Arguments[0].IsString)
        {
            var user = MailboxOf(command.Arguments[0].Value);
            if (!TryReserve(command.Tag, user, null, "LOGIN"))
            {
                await AnswerLocallyAsync(command, new Refusal("NO", ExchangeImapTexts.LoginFailed), cancellationToken);
                return;
            }
        }

        await WriteUpstreamAsync(command.Parts, cancellationToken);
    }

    private async Task AuthenticateAsync(ImapStreamReader reader, ImapCommand command, CancellationToken cancellationToken)
    {
        var mechanism = command.Arguments.Count > 0 ? command.Arguments[0].Value.ToUpperInvariant() : "";
        var known = false;
        if (command.Arguments.Count > 1 && SaslIdentity.Decode(mechanism, command.Arguments[1].Value) is { } identity)
        {
            known = true;
            if (!TryReserve(command.Tag, MailboxOf(identity.User), identity.Token, "AUTHENTICATE"))
            {
                await AnswerLocallyAsync(command, new Refusal("NO", ExchangeImapTexts.AuthenticateFailed), cancellationToken);
                return;
            }
        }

        var done = Expect(command.Tag);
        await WriteUpstreamAsync(command.Parts, cancellationToken);
        while (await done.WaitAsync(cancellationToken))
        {
            // The server asked for (more) SASL data: the client's next line is that, not a command.
            var line = await reader.ReadLineAsync(MaxLineLength, cancellationToken) ?? throw new EndOfStreamException();
            var response = Encoding.Latin1.GetString(line).TrimEnd('\r', '\n');
            done = Expect(command.Tag);
            if (!known && response != "*" && SaslIdentity.Decode(mechanism, response) is { } later)
            {
                known = true;
                if (!TryReserve(command.Tag, MailboxOf(later.User), later.Token, "AUTHENTICATE"))
                {
                    // The exchange is cancelled upstream; its tagged BAD is answered as Exchange refuses a login.
                    substitutions[command.Tag] = new LocalAnswer($"{command.Tag} NO {ExchangeImapTexts.AuthenticateFailed}", "NO", null);
                    await WriteUpstreamAsync("*\r\n"u8.ToArray(), cancellationToken);
                    continue;
                }
            }

            await WriteUpstreamAsync(line, cancellationToken);
        }
    }

    private async Task IdleAsync(ImapStreamReader reader, ImapCommand command, CancellationToken cancellationToken)
    {
        var done = Expect(command.Tag);
        await WriteUpstreamAsync(command.Parts, cancellationToken);
        if (await done.WaitAsync(cancellationToken))
        {
            var line = await reader.ReadLineAsync(MaxLineLength, cancellationToken) ?? throw new EndOfStreamException();
            await WriteUpstreamAsync(line, cancellationToken);
        }
    }

    private async Task AppendAsync(ImapCommand command, CancellationToken cancellationToken)
    {
        var parts = command.Parts;
        var arguments = command.Arguments;
        if (options.DropFlaggedOnAppend && arguments.Count > 1 && arguments[1].Kind == ImapTokenKind.Open)
        {
            // Exchange Online does not keep \Flagged given in APPEND: it must be set by STORE afterwards. imapsync's
            // FAQ.Office365 ("the flag Flagged does not seem to be well synced") reports that a flag set by APPEND is
            // lost outside IMAP while one set by STORE is kept everywhere, and advises syncing without \Flagged first
            // and setting it with STORE on a second pass. The proxy drops it, so a client that relies on APPEND fails here.
            var kept = arguments.Where((t, i) => !(i > 1 && t.Depth == 1 && t.Kind == ImapTokenKind.Atom
                && string.Equals(t.Text, @"\Flagged", StringComparison.OrdinalIgnoreCase)));
            parts = ImapCommand.PartsOf(command.Tokens.Take(2).Concat(kept));
        }

        proxy.CountAppend(command.Parts.Where(p => p.Literal is not null).Select(p => (long)p.Literal!.Length).LastOrDefault());
        await WriteUpstreamAsync(parts, cancellationToken);
    }

    private bool TryReserve(string tag, string user, string? token, string command)
    {
        if (!proxy.TryReserveConnection(user))
        {
            proxy.Note($"#{number}: {command} of {user} refused: {options.MaxConnectionsPerMailbox} connections already");
            return false;
        }

        pendingLogins[tag] = new PendingLogin(user, token, command);
        return true;
    }

    /// <summary>The mailbox a login names: lower case, a master login's <c>*master</c> suffix removed.</summary>
    private static string MailboxOf(string user)
    {
        var star = user.IndexOf('*', StringComparison.Ordinal);
        return (star >= 0 ? user[..star] : user).ToLowerInvariant();
    }

    /// <summary>The answer the proxy gives itself. The command is replaced upstream by a NOOP with its tag, whose tagged
    /// answer is rewritten: so answers keep the order of pipelined commands.</summary>
    private async Task AnswerLocallyAsync(ImapCommand command, Refusal refusal, CancellationToken cancellationToken)
    {
        proxy.Note($"#{number}: {command.Tag} {command.Name} answered {refusal.Status} {refusal.Text}");
        if (command.Tag.Length == 0)
        {
            await WriteClientAsync($"* {refusal.Status} {refusal.Text}\r\n", cancellationToken);
            return;
        }

        substitutions[command.Tag] = new LocalAnswer($"{command.Tag} {refusal.Status} {refusal.Text}", refusal.Status, refusal.Throttle);
        await WriteUpstreamAsync(Encoding.Latin1.GetBytes(command.Tag + " NOOP\r\n"), cancellationToken);
    }

    private Task<bool> Expect(string tag)
    {
        var next = new Waiter(tag, new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
        waiter = next;
        return next.Done.Task;
    }

    private async Task WriteUpstreamAsync(byte[] bytes, CancellationToken cancellationToken) =>
        await upstreamStream!.WriteAsync(bytes, cancellationToken);

    /// <summary>Writes a command upstream part by part (a message literal is not copied into one buffer with its line).</summary>
    private async Task WriteUpstreamAsync(IReadOnlyList<ImapCommandPart> parts, CancellationToken cancellationToken)
    {
        foreach (var part in parts)
        {
            await upstreamStream!.WriteAsync(part.Text, cancellationToken);
            if (part.Literal is { } literal)
            {
                await upstreamStream.WriteAsync(ImapCommand.LiteralMarker(literal.Length), cancellationToken);
                await upstreamStream.WriteAsync(literal, cancellationToken);
            }
        }

        await upstreamStream!.WriteAsync("\r\n"u8.ToArray(), cancellationToken);
    }

    private async Task WriteClientAsync(string line, CancellationToken cancellationToken)
    {
        await clientWrite.WaitAsync(cancellationToken);
        try
        {
            await clientStream!.WriteAsync(Encoding.Latin1.GetBytes(line), cancellationToken);
        }
        finally
        {
            clientWrite.Release();
        }
    }

    private async Task ByeAsync(string bye, string reason, CancellationToken cancellationToken)
    {
        proxy.Note($"#{number}: {bye} ({reason})");
        proxy.CountDisconnect();
        await WriteClientAsync(bye + "\r\n", cancellationToken);
        EndClientSide();
    }

    // ---- server to client ----

    private async Task PumpServerAsync(CancellationToken cancellationToken)
    {
        var reader = new ImapStreamReader(upstreamStream!);
        var greeting = true;
        while (await reader.ReadLineAsync(MaxLineLength, cancellationToken) is { } line)
        {
            bool bye;
            await clientWrite.WaitAsync(cancellationToken);
            try
            {
                bye = await RelayResponseAsync(reader, line, greeting, cancellationToken);
            }
            finally
            {
                clientWrite.Release();
            }

            greeting = false;
            if (bye)
            {
                proxy.CountDisconnect();
                EndClientSide();
                return;
            }
        }
    }

    /// <summary>Relays one response (with its literals), rewritten as Exchange would send it; true when the connection
    /// must close after it (too many errors in a row).</summary>
    private async Task<bool> RelayResponseAsync(ImapStreamReader reader, byte[] line, bool greeting, CancellationToken cancellationToken)
    {
        var text = Encoding.Latin1.GetString(line, 0, TextLength(line));
        var exchange = options.ExchangeCapabilities;
        var close = false;
        if (greeting && exchange)
        {
            await SendAsync(ExchangeImapTexts.Greeting + "\r\n", cancellationToken);
        }
        else if (text.StartsWith('+'))
        {
            await clientStream!.WriteAsync(line, cancellationToken);
            waiter?.Done.TrySetResult(true);
        }
        else if (text.StartsWith("* ", StringComparison.Ordinal))
        {
            if (exchange && text.StartsWith("* CAPABILITY ", StringComparison.OrdinalIgnoreCase))
            {
                await SendAsync("* CAPABILITY " + string.Join(' ', options.Capabilities) + "\r\n", cancellationToken);
            }
            else if (exchange && ModSeqCode().IsMatch(text))
            {
                // CONDSTORE is not announced: Exchange sends no HIGHESTMODSEQ/NOMODSEQ.
            }
            else if (exchange && CapabilityCode().IsMatch(text))
            {
                await SendAsync(CapabilityCode().Replace(text, "") + "\r\n", cancellationToken);
            }
            else
            {
                await clientStream!.WriteAsync(line, cancellationToken);
            }
        }
        else
        {
            close = await RelayTaggedAsync(text, line, cancellationToken);
        }

        // The rest of a response whose line ends with a literal: the literal's bytes, then the line that goes on.
        while (ImapStreamReader.TryGetLiteral(line, out var size, out _, out _))
        {
            await reader.CopyAsync(size, async chunk => await clientStream!.WriteAsync(chunk, cancellationToken), cancellationToken);
            line = await reader.ReadLineAsync(MaxLineLength, cancellationToken) ?? throw new EndOfStreamException();
            await clientStream!.WriteAsync(line, cancellationToken);
        }

        return close;
    }

    private async Task<bool> RelayTaggedAsync(string text, byte[] line, CancellationToken cancellationToken)
    {
        var space = text.IndexOf(' ', StringComparison.Ordinal);
        var tag = space > 0 ? text[..space] : text;
        var rest = space > 0 ? text[(space + 1)..] : "";
        var status = rest.Split(' ', 2)[0].ToUpperInvariant();
        var login = pendingLogins.TryRemove(tag, out var pending) ? pending : null;
        if (substitutions.TryRemove(tag, out var answer))
        {
            status = answer.Status;
            await SendAsync(answer.Line + "\r\n", cancellationToken);
            if (answer.Throttle is { } throttle)
            {
                var record = new ExchangeThrottleRecord(throttle.Mailbox, number, tag, throttle.Command, throttle.Backoff,
                    proxy.Time.GetUtcNow(), throttle.WithinEarlierBackoff);
                proxy.RecordThrottled(record);
                awaitingNextCommand = record;
            }
        }
        else if (options.ExchangeCapabilities && login is not null && status == "OK")
        {
            await SendAsync($"{tag} OK {(login.Command == "LOGIN" ? ExchangeImapTexts.LoginCompleted : ExchangeImapTexts.AuthenticateCompleted)}\r\n", cancellationToken);
        }
        else if (options.ExchangeCapabilities && CapabilityCode().IsMatch(text))
        {
            await SendAsync(CapabilityCode().Replace(text, "") + "\r\n", cancellationToken);
        }
        else
        {
            await clientStream!.WriteAsync(line, cancellationToken);
        }

        if (login is not null)
        {
            if (status == "OK")
            {
                var expiry = login.Token is { } token ? options.TokenExpiry?.Invoke(token) : null;
                lock (stateGate)
                {
                    heldSlot = login.Mailbox;
                    tokenExpiry = expiry;
                }

                mailbox = login.Mailbox;
                proxy.CountLogin();
            }
            else
            {
                proxy.ReleaseConnection(login.Mailbox);
            }
        }

        if (waiter is { } w && w.Tag == tag)
        {
            w.Done.TrySetResult(false);
        }

        consecutiveErrors = status is "NO" or "BAD" ? consecutiveErrors + 1 : 0;
        if (options.DisconnectAfterErrors is { } limit && consecutiveErrors >= limit)
        {
            proxy.Note($"#{number}: {ExchangeImapTexts.ConnectionClosed} (after {consecutiveErrors} errors in a row)");
            await SendAsync(ExchangeImapTexts.ConnectionClosed + "\r\n", cancellationToken);
            return true;
        }

        return false;
    }

    /// <summary>Writes to the client; the caller holds the write lock.</summary>
    private async Task SendAsync(string line, CancellationToken cancellationToken) =>
        await clientStream!.WriteAsync(Encoding.Latin1.GetBytes(line), cancellationToken);

    private void ReleaseSlot()
    {
        string? slot;
        lock (stateGate)
        {
            slot = heldSlot;
            heldSlot = null;
        }

        if (slot is not null)
        {
            proxy.ReleaseConnection(slot);
        }
    }

    [GeneratedRegex(@"\[CAPABILITY [^\]]*\] ?", RegexOptions.IgnoreCase)]
    private static partial Regex CapabilityCode();

    [GeneratedRegex(@"^\* OK \[(HIGHESTMODSEQ|NOMODSEQ)\b", RegexOptions.IgnoreCase)]
    private static partial Regex ModSeqCode();

    private sealed record Refusal(string Status, string Text, ThrottleInfo? Throttle = null, bool Bye = false);

    private sealed record ThrottleInfo(string Mailbox, string Command, TimeSpan Backoff, bool WithinEarlierBackoff);

    private sealed record LocalAnswer(string Line, string Status, ThrottleInfo? Throttle);

    private sealed record PendingLogin(string Mailbox, string? Token, string Command);

    private sealed record Waiter(string Tag, TaskCompletionSource<bool> Done);
}
