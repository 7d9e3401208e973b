using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading.Channels;

namespace Dxmig.Bench;

/// <summary>
/// The servers' copy floor (issue 19): the least any IMAP → IMAP copy must ask of the two servers, done by a minimal
/// client and nothing else, so that a tool's time can be given as a share of it ("% of floor" = floor s / tool s).
/// Per mailbox (<see cref="MailBench.Parallel"/> at a time, as dxmig and mbsync): LIST the source; CREATE every
/// selectable folder on the empty target; per folder one EXAMINE and one <c>UID FETCH 1:* (UID FLAGS INTERNALDATE
/// BODY.PEEK[])</c> streamed, every body read once, and the bodies sent on as they arrive in MULTIAPPEND commands (RFC
/// 3502, LITERAL+, about 4 MB each, the next one sent before the previous one's answer) with their flags and internal
/// dates: what a copy that keeps flags and arrival dates cannot do without. Nothing else: no hashing, no ledger, no
/// MIME parsing, no Message-ID, no check of what arrived (the bench compares the target with the source afterwards,
/// untimed). Its own small IMAP client over a socket (128 KB reads, pooled body buffers, bodies given back as soon as
/// the target confirmed them), not MailKit: MailKit parses every message into a MIME tree to append it, which would
/// charge the floor for client work no copy needs.
/// </summary>
internal static partial class MailCopyFloor
{
    private const int BatchBytes = 4 << 20;

    /// <summary>
    /// The floor program, in its own process: <c>mail-floor copy|sync|state SOURCE_PORT TARGET_PORT USER,USER,… [STATE_FILE]</c>
    /// with the master user and the servers' master passwords in <c>DXMIG_FLOOR_MASTER</c>,
    /// <c>DXMIG_FLOOR_SOURCE_PASSWORD</c> and <c>DXMIG_FLOOR_TARGET_PASSWORD</c> (not on the command line). copy: the copy
    /// floor into an empty target; state: records every folder's UIDVALIDITY, UIDNEXT and HIGHESTMODSEQ (untimed, what a
    /// sync knows from the night before); sync: the sync floor (<see cref="SyncMailboxAsync"/>) against that state.
    /// Prints <c>FLOOR messages bytes seconds folders-opened changes-seen</c>, the seconds from the first connection to
    /// the last answer (after an untimed warm-up of the client's code on the source: login, LIST, one message read).
    /// </summary>
    public static async Task<int> RunAsync(string mode, int sourcePort, int targetPort, IReadOnlyList<string> users, string? stateFile)
    {
        var master = Environment.GetEnvironmentVariable("DXMIG_FLOOR_MASTER") ?? "admin";
        var sourcePassword = Environment.GetEnvironmentVariable("DXMIG_FLOOR_SOURCE_PASSWORD") ?? string.Empty;
        var targetPassword = Environment.GetEnvironmentVariable("DXMIG_FLOOR_TARGET_PASSWORD") ?? string.Empty;
        var state = mode == "sync" ? ReadState(stateFile!) : [];
        var recorded = new List<string>();
        var total = new Tally();
        if (mode != "state" && users.Count > 0)
        {
            // Untimed: the client's own code paths compiled once (login, LIST-STATUS, one message fetched) so that the
            // floor holds the servers' work and not this program's JIT; nothing is written anywhere.
            await using var warm = await Connection.OpenAsync(sourcePort, $"{users[0]}*{master}", sourcePassword);
            await ListStatusAsync(warm, modSeq: false);
            await warm.CommandAsync("EXAMINE INBOX");
            await warm.StreamAsync("FETCH 1 (UID FLAGS INTERNALDATE BODY.PEEK[])", r =>
            {
                _ = (UidItem().IsMatch(r.Text), FlagsItem().IsMatch(r.Text), DateItem().IsMatch(r.Text));
                r.Release();
                return ValueTask.CompletedTask;
            }, acceptNo: true);
            await warm.CommandAsync("LOGOUT");
        }

        var clock = Stopwatch.StartNew();
        using var gate = new SemaphoreSlim(MailBench.Parallel);
        await Task.WhenAll(users.Select(async user =>
        {
            await gate.WaitAsync();
            try
            {
                var login = $"{user}*{master}";
                await using var source = await Connection.OpenAsync(sourcePort, login, sourcePassword);
                if (mode == "state")
                {
                    var statuses = await ListStatusAsync(source, source.Has("CONDSTORE"));
                    lock (recorded)
                    {
                        recorded.AddRange(statuses.Select(f => string.Create(CultureInfo.InvariantCulture, $"{user}\t{f.UidValidity}\t{f.UidNext}\t{f.ModSeq}\t{f.Name}")));
                    }

                    await source.CommandAsync("LOGOUT");
                    return;
                }

                await using var target = await Connection.OpenAsync(targetPort, login, targetPassword);
                var tally = mode == "sync"
                    ? await SyncMailboxAsync(source, target, state.GetValueOrDefault(user) ?? [])
                    : await CopyMailboxAsync(source, target);
                total.Add(tally);
                await source.CommandAsync("LOGOUT");
                await target.CommandAsync("LOGOUT");
            }
            finally
            {
                gate.Release();
            }
        }));
        var seconds = clock.Elapsed.TotalSeconds;
        if (mode == "state")
        {
            await File.WriteAllLinesAsync(stateFile!, recorded);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"FLOOR {total.Messages} {total.Bytes} {seconds:0.000} {total.FoldersOpened} {total.Changes}"));
        return 0;
    }

    /// <summary>The copy floor of one mailbox: every selectable folder created on the target, every message read once and MULTIAPPENDed.</summary>
    private static async Task<Tally> CopyMailboxAsync(Connection source, Connection target)
    {
        target.Require("MULTIAPPEND");
        target.Require("LITERAL+");
        var folders = await ListStatusAsync(source, modSeq: false);
        await using var copy = new Copy(target);
        foreach (var folder in folders)
        {
            await copy.CreateAsync(folder.Name);
        }

        foreach (var folder in folders.Where(f => f.UidNext > 1))
        {
            await copy.ExamineAsync(source, folder.Name, qresync: null);
            await copy.FetchAsync(source, folder.Name, 1);
        }

        return await copy.CompleteAsync();
    }

    /// <summary>
    /// The sync floor of one mailbox: what any one-way sync must ask of the servers a night later, knowing each folder's
    /// UIDVALIDITY, UIDNEXT and HIGHESTMODSEQ from the night before (<paramref name="known"/>). One LIST with STATUS of
    /// every folder on the source. With QRESYNC (RFC 7162, enabled when the source announces it, as dxmig does): a folder
    /// whose HIGHESTMODSEQ did not move is not opened; the others are opened once with QRESYNC, which gives the messages
    /// expunged since (VANISHED) and the flags changed since, nothing else. Without QRESYNC (CONDSTORE not announced)
    /// every folder is opened and the flags of all its messages fetched (<c>UID FETCH 1:* (UID FLAGS)</c>): nothing
    /// else tells a changed flag. Then the new messages (UIDs from the old UIDNEXT on, and every message of a new folder
    /// or one whose UIDVALIDITY changed) are read once and MULTIAPPENDed to the target as in the copy floor. Left out, so
    /// that it is a lower bound: writing the flag changes and the deletions into the target (a STORE or an EXPUNGE per
    /// changed folder, which needs the target's UIDs, i.e. a ledger) and reading the target at all.
    /// </summary>
    private static async Task<Tally> SyncMailboxAsync(Connection source, Connection target, Dictionary<string, FolderStatus> known)
    {
        target.Require("MULTIAPPEND");
        target.Require("LITERAL+");
        var qresync = source.Has("QRESYNC");
        if (qresync)
        {
            await source.CommandAsync("ENABLE QRESYNC");
        }

        var folders = await ListStatusAsync(source, modSeq: qresync);
        bool IsNew(FolderStatus folder) => !known.TryGetValue(folder.Name, out var before) || before.UidValidity != folder.UidValidity;
        await using var copy = new Copy(target);
        // Created before any message is sent: the target's connection is the sender's from then on.
        foreach (var folder in folders.Where(IsNew))
        {
            await copy.CreateAsync(folder.Name);
        }

        foreach (var folder in folders)
        {
            if (!known.TryGetValue(folder.Name, out var before) || before.UidValidity != folder.UidValidity)
            {
                if (folder.UidNext > 1)
                {
                    await copy.ExamineAsync(source, folder.Name, qresync: null);
                    await copy.FetchAsync(source, folder.Name, 1);
                }

                continue;
            }

            if (qresync)
            {
                if (folder.ModSeq == before.ModSeq)
                {
                    continue;
                }

                await copy.ExamineAsync(source, folder.Name, qresync: before);
            }
            else
            {
                await copy.ExamineAsync(source, folder.Name, qresync: null);
                await copy.FlagsAsync(source);
            }

            if (folder.UidNext > before.UidNext)
            {
                await copy.FetchAsync(source, folder.Name, before.UidNext);
            }
        }

        return await copy.CompleteAsync();
    }

    /// <summary>Every selectable folder with its STATUS (one LIST … RETURN (STATUS …), RFC 5819).</summary>
    private static async Task<List<FolderStatus>> ListStatusAsync(Connection source, bool modSeq)
    {
        var selectable = new HashSet<string>(StringComparer.Ordinal);
        var statuses = new List<FolderStatus>();
        await source.CommandAsync($"LIST \"\" \"*\" RETURN (STATUS (UIDVALIDITY UIDNEXT{(modSeq ? " HIGHESTMODSEQ" : "")}))", response =>
        {
            if (ListLine().Match(response.Text) is { Success: true } list)
            {
                var attributes = list.Groups["attributes"].Value;
                if (!attributes.Contains("\\Noselect", StringComparison.OrdinalIgnoreCase) && !attributes.Contains("\\NonExistent", StringComparison.OrdinalIgnoreCase))
                {
                    selectable.Add(NameOf(response, list.Groups["name"].Value));
                }
            }
            else if (StatusLine().Match(response.Text) is { Success: true } status)
            {
                var items = status.Groups["items"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                ulong Item(string key) => Array.IndexOf(items, key) is var at and >= 0 ? ulong.Parse(items[at + 1], CultureInfo.InvariantCulture) : 0;
                statuses.Add(new FolderStatus(NameOf(response, status.Groups["name"].Value), (uint)Item("UIDVALIDITY"), (uint)Item("UIDNEXT"), Item("HIGHESTMODSEQ")));
            }

            response.Release();
        });
        return [.. statuses.Where(s => selectable.Contains(s.Name))];
    }

    private static string NameOf(Response response, string quoted) =>
        response.Literals.Count > 0 ? Encoding.UTF8.GetString(response.Literals[0].Span) : Unquote(quoted);

    private static Dictionary<string, Dictionary<string, FolderStatus>> ReadState(string file) =>
        File.ReadAllLines(file).Select(l => l.Split('\t', 5))
            .GroupBy(p => p[0], StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToDictionary(
                p => p[4],
                p => new FolderStatus(p[4], uint.Parse(p[1], CultureInfo.InvariantCulture), uint.Parse(p[2], CultureInfo.InvariantCulture), ulong.Parse(p[3], CultureInfo.InvariantCulture)),
                StringComparer.Ordinal), StringComparer.Ordinal);

    private sealed record FolderStatus(string Name, uint UidValidity, uint UidNext, ulong ModSeq);

    private sealed class Tally
    {
        public long Messages;
        public long Bytes;
        public long FoldersOpened;
        public long Changes;

        public void Add(Tally other)
        {
            Interlocked.Add(ref Messages, other.Messages);
            Interlocked.Add(ref Bytes, other.Bytes);
            Interlocked.Add(ref FoldersOpened, other.FoldersOpened);
            Interlocked.Add(ref Changes, other.Changes);
        }
    }

    /// <summary>
    /// One mailbox's copy: the source's reader fills batches of bodies (~4 MB), the target's sender MULTIAPPENDs each,
    /// one command ahead of the answers; the reader waits when the sender is a batch behind (bounded memory).
    /// </summary>
    private sealed class Copy : IAsyncDisposable
    {
        private readonly Connection target;
        private readonly Channel<Batch> batches = Channel.CreateBounded<Batch>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });
        private readonly Task sender;
        private readonly Tally tally = new();

        public Copy(Connection target)
        {
            this.target = target;
            sender = Task.Run(() => SendAsync(target, batches));
        }

        /// <summary>CREATE before the first message is queued (the sender owns the connection from then on); a parent created on the way by an earlier CREATE answers NO [ALREADYEXISTS], as does INBOX.</summary>
        public Task CreateAsync(string folder) =>
            folder.Equals("INBOX", StringComparison.OrdinalIgnoreCase) ? Task.CompletedTask : target.CommandAsync($"CREATE {Quote(folder)}", acceptNo: true);

        public async Task ExamineAsync(Connection source, string folder, FolderStatus? qresync)
        {
            tally.FoldersOpened++;
            var changes = 0L;
            await source.CommandAsync(
                qresync is null ? $"EXAMINE {Quote(folder)}" : string.Create(CultureInfo.InvariantCulture, $"EXAMINE {Quote(folder)} (QRESYNC ({qresync.UidValidity} {qresync.ModSeq}))"),
                response =>
                {
                    // With QRESYNC: a FETCH per message whose flags changed (or that is new), VANISHED (EARLIER) for those expunged.
                    if (response.Text.Contains(" FETCH (", StringComparison.Ordinal))
                    {
                        changes++;
                    }
                    else if (response.Text.StartsWith("* VANISHED ", StringComparison.Ordinal))
                    {
                        changes += response.Text[(response.Text.LastIndexOf(' ') + 1)..].Split(',').Sum(r => r.Split(':') is [var a, var b] ? Math.Abs(long.Parse(b, CultureInfo.InvariantCulture) - long.Parse(a, CultureInfo.InvariantCulture)) + 1 : 1);
                    }

                    response.Release();
                });
            tally.Changes += changes;
        }

        /// <summary>Without QRESYNC: the flags of every message of the open folder.</summary>
        public Task FlagsAsync(Connection source) =>
            source.CommandAsync("UID FETCH 1:* (UID FLAGS)", response =>
            {
                tally.Changes += response.Text.Contains(" FETCH (", StringComparison.Ordinal) ? 1 : 0;
                response.Release();
            });

        /// <summary>Reads every message of the open folder from <paramref name="fromUid"/> on and queues it for the target's folder of the same name.</summary>
        public async Task FetchAsync(Connection source, string folder, uint fromUid)
        {
            var batch = new Batch(folder);
            await source.StreamAsync(string.Create(CultureInfo.InvariantCulture, $"UID FETCH {fromUid}:* (UID FLAGS INTERNALDATE BODY.PEEK[])"), async response =>
            {
                var uid = UidItem().Match(response.Text);
                // "n:*" answers with the last message even when its UID is below n.
                if (response.Literals.Count != 1 || !uid.Success || uint.Parse(uid.Groups[1].Value, CultureInfo.InvariantCulture) < fromUid)
                {
                    response.Release();
                    return;
                }

                var flags = FlagsItem().Match(response.Text);
                var date = DateItem().Match(response.Text);
                var flagList = flags.Success
                    ? string.Join(' ', flags.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(f => !f.Equals("\\Recent", StringComparison.OrdinalIgnoreCase)))
                    : string.Empty;
                batch.Add(new Message($"({flagList})", date.Success ? $" \"{date.Groups[1].Value}\"" : string.Empty, response.TakeLiteral(0)));
                tally.Messages++;
                tally.Bytes += batch.Last.Body.Length;
                if (batch.Bytes >= BatchBytes)
                {
                    await batches.Writer.WriteAsync(batch);
                    batch = new Batch(folder);
                }
            });
            if (batch.Count > 0)
            {
                await batches.Writer.WriteAsync(batch);
            }
        }

        /// <summary>Waits for the target's last answer.</summary>
        public async Task<Tally> CompleteAsync()
        {
            batches.Writer.TryComplete();
            await sender;
            return tally;
        }

        public async ValueTask DisposeAsync()
        {
            batches.Writer.TryComplete();
            // A failure was seen by CompleteAsync or by the reader's next write; here the sender is only awaited.
            await Task.WhenAny(sender);
            _ = sender.Exception;
        }
    }

    /// <summary>MULTIAPPENDs every batch, sending the next before reading the answer to the previous; bodies go back to the pool once confirmed.</summary>
    private static async Task SendAsync(Connection target, Channel<Batch> batches)
    {
        try
        {
            Task answered = Task.CompletedTask;
            Batch? previous = null;
            await foreach (var batch in batches.Reader.ReadAllAsync())
            {
                var tag = await target.SendAppendAsync(batch);
                await answered;
                previous?.Release();
                answered = target.ExpectOkAsync(tag);
                previous = batch;
            }

            await answered;
            previous?.Release();
        }
        catch (Exception e)
        {
            // The reader must not wait for room that never comes: it sees the failure on its next batch.
            batches.Writer.TryComplete(e);
            throw;
        }
    }

    private static string Quote(string name) => "\"" + name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private static string Unquote(string name) =>
        name.Length >= 2 && name[0] == '"' ? name[1..^1].Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal) : name;

    [GeneratedRegex("""^\* LIST \((?<attributes>[^)]*)\) (?:"(?:[^"\\]|\\.)*"|NIL) (?<name>"(?:[^"\\]|\\.)*"|\S+)""", RegexOptions.CultureInvariant)]
    private static partial Regex ListLine();

    [GeneratedRegex("""^\* STATUS (?<name>"(?:[^"\\]|\\.)*"|\S+) \((?<items>[^)]*)\)""", RegexOptions.CultureInvariant)]
    private static partial Regex StatusLine();

    [GeneratedRegex(@"[( ]UID (\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex UidItem();

    [GeneratedRegex(@"FLAGS \(([^)]*)\)", RegexOptions.CultureInvariant)]
    private static partial Regex FlagsItem();

    [GeneratedRegex("INTERNALDATE \"([^\"]*)\"", RegexOptions.CultureInvariant)]
    private static partial Regex DateItem();

    private sealed record Message(string Flags, string Date, Body Body);

    /// <summary>A body in a pooled buffer.</summary>
    private sealed record Body(byte[] Buffer, int Length)
    {
        public ReadOnlySpan<byte> Span => Buffer.AsSpan(0, Length);

        public void Release() => ArrayPool<byte>.Shared.Return(Buffer);
    }

    private sealed class Batch(string folder)
    {
        private readonly List<Message> messages = [];

        public string Folder { get; } = folder;

        public IReadOnlyList<Message> Messages => messages;

        public int Count => messages.Count;

        public long Bytes { get; private set; }

        public Message Last => messages[^1];

        public void Add(Message message)
        {
            messages.Add(message);
            Bytes += message.Body.Length;
        }

        public void Release() => messages.ForEach(m => m.Body.Release());
    }

    /// <summary>One untagged or tagged response: its text (literals left out) and its literals.</summary>
    private sealed class Response(string text, List<Body> literals)
    {
        public string Text { get; } = text;

        public List<Body> Literals { get; } = literals;

        public Body TakeLiteral(int index)
        {
            var body = Literals[index];
            Literals.RemoveAt(index);
            Release();
            return body;
        }

        public void Release()
        {
            Literals.ForEach(l => l.Release());
            Literals.Clear();
        }
    }

    /// <summary>A plain IMAP connection on loopback: LOGIN, commands answered line by line with literals read into pooled buffers.</summary>
    private sealed class Connection : IAsyncDisposable
    {
        private readonly TcpClient tcp;
        private readonly NetworkStream stream;
        private readonly BufferedStream writer;
        private readonly byte[] buffer = new byte[128 * 1024];
        private int start, end, tags;
        private string capabilities = string.Empty;

        private Connection(TcpClient tcp)
        {
            this.tcp = tcp;
            stream = tcp.GetStream();
            writer = new BufferedStream(stream, 64 * 1024);
        }

        public static async Task<Connection> OpenAsync(int port, string login, string password)
        {
            var tcp = new TcpClient { NoDelay = true };
            await tcp.ConnectAsync("127.0.0.1", port);
            var connection = new Connection(tcp);
            (await connection.ReadResponseAsync()).Release();
            await connection.CommandAsync($"LOGIN {Quote(login)} {Quote(password)}");
            await connection.CommandAsync("CAPABILITY", r =>
            {
                if (r.Text.StartsWith("* CAPABILITY ", StringComparison.Ordinal))
                {
                    connection.capabilities = r.Text;
                }

                r.Release();
            });
            return connection;
        }

        public bool Has(string capability) => capabilities.Split(' ').Contains(capability, StringComparer.OrdinalIgnoreCase);

        public void Require(string capability)
        {
            if (!Has(capability))
            {
                throw new InvalidOperationException($"the target does not announce {capability}: the floor is defined with it");
            }
        }

        public Task CommandAsync(string command, Action<Response>? untagged = null, bool acceptNo = false) =>
            StreamAsync(command, untagged is null ? null : r => { untagged(r); return ValueTask.CompletedTask; }, acceptNo);

        /// <summary>Sends a command and hands every untagged response to <paramref name="untagged"/> until the tagged answer.</summary>
        public async Task StreamAsync(string command, Func<Response, ValueTask>? untagged, bool acceptNo = false)
        {
            var tag = NextTag();
            await writer.WriteAsync(Encoding.ASCII.GetBytes($"{tag} {command}\r\n"));
            await writer.FlushAsync();
            await ExpectOkAsync(tag, untagged, acceptNo);
        }

        /// <summary>Writes one MULTIAPPEND of the batch (LITERAL+: no waiting for continuations) and returns its tag.</summary>
        public async Task<string> SendAppendAsync(Batch batch)
        {
            var tag = NextTag();
            await writer.WriteAsync(Encoding.ASCII.GetBytes($"{tag} APPEND {Quote(batch.Folder)}"));
            foreach (var message in batch.Messages)
            {
                await writer.WriteAsync(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $" {message.Flags}{message.Date} {{{message.Body.Length}+}}\r\n")));
                await writer.WriteAsync(message.Body.Buffer.AsMemory(0, message.Body.Length));
            }

            await writer.WriteAsync("\r\n"u8.ToArray());
            await writer.FlushAsync();
            return tag;
        }

        public Task ExpectOkAsync(string tag) => ExpectOkAsync(tag, null, acceptNo: false);

        private async Task ExpectOkAsync(string tag, Func<Response, ValueTask>? untagged, bool acceptNo)
        {
            while (true)
            {
                var response = await ReadResponseAsync();
                if (response.Text.StartsWith(tag + " ", StringComparison.Ordinal))
                {
                    response.Release();
                    var status = response.Text[(tag.Length + 1)..];
                    if (status.StartsWith("OK", StringComparison.Ordinal) || (acceptNo && status.StartsWith("NO", StringComparison.Ordinal)))
                    {
                        return;
                    }

                    throw new InvalidOperationException($"server answered {tag}: {status}");
                }

                if (untagged is null)
                {
                    response.Release();
                }
                else
                {
                    await untagged(response);
                }
            }
        }

        private string NextTag() => "f" + (++tags).ToString(CultureInfo.InvariantCulture);

        /// <summary>Reads one response: its lines, and each literal (<c>{n}</c> at a line's end) into a pooled buffer.</summary>
        private async Task<Response> ReadResponseAsync()
        {
            var text = new StringBuilder();
            var literals = new List<Body>();
            while (true)
            {
                var line = await ReadLineAsync();
                text.Append(line);
                var open = line.Length >= 3 && line[^1] == '}' ? line.LastIndexOf('{') : -1;
                if (open < 0 || !int.TryParse(line.AsSpan(open + 1, line.Length - open - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var length))
                {
                    return new Response(text.ToString(), literals);
                }

                var literal = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
                var copied = 0;
                while (copied < length)
                {
                    if (start == end)
                    {
                        // Large remainders straight into the body buffer; small ones through the read buffer.
                        if (length - copied >= buffer.Length)
                        {
                            var read = await stream.ReadAsync(literal.AsMemory(copied, length - copied));
                            copied += read > 0 ? read : throw new IOException("connection closed in a literal");
                            continue;
                        }

                        await FillAsync();
                    }

                    var take = Math.Min(end - start, length - copied);
                    buffer.AsSpan(start, take).CopyTo(literal.AsSpan(copied));
                    start += take;
                    copied += take;
                }

                literals.Add(new Body(literal, length));
            }
        }

        private async Task<string> ReadLineAsync()
        {
            var line = new StringBuilder();
            while (true)
            {
                if (start == end)
                {
                    await FillAsync();
                }

                var span = buffer.AsSpan(start, end - start);
                var lf = span.IndexOf((byte)'\n');
                if (lf >= 0)
                {
                    line.Append(Encoding.Latin1.GetString(span[..lf]));
                    start += lf + 1;
                    if (line.Length > 0 && line[^1] == '\r')
                    {
                        line.Length--;
                    }

                    return line.ToString();
                }

                line.Append(Encoding.Latin1.GetString(span));
                start = end;
            }
        }

        private async Task FillAsync()
        {
            start = 0;
            end = await stream.ReadAsync(buffer);
            if (end == 0)
            {
                throw new IOException("the server closed the connection");
            }
        }

        public async ValueTask DisposeAsync()
        {
            await writer.DisposeAsync();
            tcp.Dispose();
        }
    }
}
