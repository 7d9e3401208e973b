using Dxmig.Contracts;
using Dxmig.Jobs.Mail;
using Dxmig.Jobs;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Dxmig.Cli.Console;
using Dxmig.Platform.Ledger;
using Dxmig.Contracts.Mappings;
using Dxmig.Platform.Pipeline;
using Dxmig.Sandbox;
using Spectre.Console;

namespace Dxmig.Demo;

/// <summary>
/// The mail part of <c>dxmig demo</c>: two private Dovecot servers under <c>$DXMIG_HOME/demo/sandbox</c> (source =
/// "Active! Mail", target = the new server), the source filled with generated Japanese mailboxes, the mail job run
/// twice, the target compared with what was generated, and both servers stopped and removed whatever happens.
/// </summary>
internal static class MailDemo
{
    public const string JobPath = "jobs/demo-mail.yaml";

    /// <summary>How many accounts of mappings/demo-identity.csv get a mailbox.</summary>
    public const int Accounts = 5;

    public const int MessagesPerMailbox = 200;

    private const string MasterUser = "admin";

    /// <summary>The hard cases the summary counts, with how they are named.</summary>
    private static readonly (CorpusMessageKind Kind, string Label)[] HardCases =
    [
        (CorpusMessageKind.Iso2022Jp, "ISO-2022-JP (①㈱髙)"),
        (CorpusMessageKind.Raw8BitHeaders, "生の Shift_JIS ヘッダー / raw Shift_JIS headers"),
        (CorpusMessageKind.NoMessageId, "Message-ID なし / no Message-ID"),
        (CorpusMessageKind.BrokenBoundary, "終端のない MIME / MIME without closing boundary"),
        (CorpusMessageKind.BadBase64, "壊れた base64 / broken base64"),
        (CorpusMessageKind.LongHeader, "998 バイト超のヘッダー行 / header lines over 998 bytes"),
    ];

    /// <summary>Runs the mail part; true when the target holds exactly what was generated and the second run changed nothing.</summary>
    /// <param name="io">Where the demo writes.</param>
    /// <param name="repo">The repository root (job and mapping files).</param>
    /// <param name="home">$DXMIG_HOME.</param>
    /// <param name="demo">$DXMIG_HOME/demo.</param>
    /// <param name="overlay">The demo's environment overlay: the address-book one plus the mail variables set here.</param>
    /// <param name="stopToken">Ctrl+C / SIGTERM.</param>
    public static async Task<bool> RunAsync(CliIo io, string repo, string home, string demo, Func<IReadOnlyDictionary<string, string>, Func<string, string?>> overlay, CancellationToken stopToken)
    {
        io.Console.Write(new Rule("[bold]メール: Active! Mail → 新サーバー / mail: Active! Mail → new server[/]").LeftJustified());
        var job = Path.Combine(repo, JobPath);
        if (!File.Exists(job))
        {
            io.Error.WriteLine($"デモのジョブファイル {job} がありません / demo job {job} not found");
            return false;
        }

        if (!await new DovecotInstaller().EnsureInstalledAsync(io.Output, io.Interactive))
        {
            io.Console.MarkupLine("[red]Dovecot がないためメールのデモを実行できません / the mail demo needs Dovecot (see above)[/]");
            return false;
        }

        // The ledger and accounts belong to the servers, which live for one demo only: both start afresh each time.
        var state = Path.Combine(demo, "mail");
        if (Directory.Exists(state))
        {
            Directory.Delete(state, recursive: true);
        }

        Directory.CreateDirectory(state);
        var identityDiagnostics = new DiagnosticBag();
        var identities = IdentityMap.Load(Path.Combine(repo, "mappings", "demo-identity.csv"), identityDiagnostics)
            ?? throw new InvalidOperationException(identityDiagnostics.Render());
        var users = identities.SourceAccounts.Order(StringComparer.Ordinal).Take(Accounts).ToList();
        var accounts = Path.Combine(state, "accounts.csv");
        await File.WriteAllTextAsync(accounts, "source,target\n" + string.Concat(users.Select(u => $"{u},{identities.TargetOf(u)}\n")), stopToken);

        var sandbox = await SandboxFolderAsync(io, home, demo);
        var clock = Stopwatch.StartNew();
        try
        {
            await using var source = await DovecotServer.StartAsync(Options(sandbox, users));
            await using var target = await DovecotServer.StartAsync(Options(sandbox, users.Select(identities.TargetOf)));
            io.Console.MarkupLine(Markup.Escape($"移行元 / source \"Active! Mail\": imap://{source.Host}:{source.Port}   移行先 / target \"新サーバー / new server\": imap://{target.Host}:{target.Port}"));
            io.Console.MarkupLine(Markup.Escape($"サンドボックス / sandbox: {sandbox ?? Path.GetTempPath()} (Dovecot 2 台、各 {users.Count} メールボックス、ループバックのみ / 2 servers, {users.Count} mailboxes each, loopback only)"));

            var fill = Stopwatch.StartNew();
            var corpus = new JapaneseMailCorpus(new JapaneseMailCorpusOptions { MessagesPerMailbox = MessagesPerMailbox });
            var manifest = await corpus.FillAsync(source, users, stopToken);
            io.Console.MarkupLine(Markup.Escape(
                $"日本語のメールを生成しました / generated Japanese mail: {users.Count} mailboxes, {Units.Count(manifest.Messages.Count())} messages, {Units.Bytes(manifest.TotalBytes)} in {fill.Elapsed.TotalSeconds:0.0} s "
                + "(ISO-2022-JP ①㈱髙, 生の Shift_JIS ヘッダー / raw Shift_JIS headers, Message-ID なし / no Message-ID, 壊れた MIME / broken MIME)"));

            var environment = overlay(new Dictionary<string, string>
            {
                ["DXMIG_SRC_HOST"] = source.Host,
                ["DXMIG_SRC_PORT"] = source.Port.ToString(CultureInfo.InvariantCulture),
                ["DXMIG_SRC_ADMIN_USER"] = source.MasterUser,
                ["DXMIG_SRC_ADMIN_PASSWORD"] = source.MasterPassword,
                ["DXMIG_DST_HOST"] = target.Host,
                ["DXMIG_DST_PORT"] = target.Port.ToString(CultureInfo.InvariantCulture),
                ["DXMIG_DST_ADMIN_USER"] = target.MasterUser,
                ["DXMIG_DST_ADMIN_PASSWORD"] = target.MasterPassword,
                ["DXMIG_ACCOUNTS"] = accounts,
                ["DXMIG_LEDGER"] = Path.Combine(state, "ledger.db"),
            });
            var mailIo = new CliIo(io.Output, io.Error, io.Interactive, environment, io.Time);

            io.Console.Write(new Rule("[bold]メール 1 回目の実行 / mail: first run[/]").LeftJustified());
            var first = await CliJobConsole.RunJobAsync(mailIo, new JobRunOptions(job), stopToken);
            if (stopToken.IsCancellationRequested)
            {
                return Stopped(io);
            }

            io.Console.Write(new Rule("[bold]メール 2 回目の実行 (何も変わらないはず) / mail: second run (should change nothing)[/]").LeftJustified());
            var second = await CliJobConsole.RunJobAsync(mailIo, new JobRunOptions(job), stopToken);
            if (stopToken.IsCancellationRequested)
            {
                return Stopped(io);
            }

            var imap = await CheckAsync(io, job, environment, target, identities, manifest, first, second, stopToken);
            var sourceVariables = new Dictionary<string, string>
            {
                ["DXMIG_SRC_HOST"] = source.Host,
                ["DXMIG_SRC_PORT"] = source.Port.ToString(CultureInfo.InvariantCulture),
                ["DXMIG_SRC_ADMIN_USER"] = source.MasterUser,
                ["DXMIG_SRC_ADMIN_PASSWORD"] = source.MasterPassword,
                ["DXMIG_ACCOUNTS"] = accounts,
            };
            var graph = await GraphDemo.RunAsync(io, repo, state, source, identities, manifest, sourceVariables, overlay, stopToken);
            return imap && graph;
        }
        catch (OperationCanceledException) when (stopToken.IsCancellationRequested)
        {
            return Stopped(io);
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or IOException or UnauthorizedAccessException
            or MailKit.ServiceNotConnectedException or MailKit.CommandException or MailKit.ProtocolException or MailKit.Security.AuthenticationException
            or System.Net.Sockets.SocketException)
        {
            if (stopToken.IsCancellationRequested)
            {
                // A stop signal also stops the sandbox servers at once (DovecotServer's own signal hooks): whatever
                // was talking to them failed because of it.
                return Stopped(io);
            }

            io.Console.MarkupLine(Markup.Escape($"メールのデモが失敗しました / the mail demo failed: {ex.Message}"));
            return false;
        }
        finally
        {
            // Both servers are disposed by now (await using): stopped and their folders removed.
            io.Console.MarkupLine(Markup.Escape($"サンドボックスの Dovecot を停止し、フォルダを削除しました / sandbox Dovecot servers stopped and their folders removed ({clock.Elapsed.TotalSeconds:0.0} s)"));
        }
    }

    private static DovecotOptions Options(string? sandbox, IEnumerable<string> users) => new()
    {
        ParentDirectory = sandbox,
        MasterUser = MasterUser,
        Users = users.ToDictionary(u => u, _ => RandomNumberGenerator.GetHexString(16, lowercase: true), StringComparer.Ordinal),
    };

    /// <summary>
    /// $DXMIG_HOME/demo/sandbox. As root, Dovecot's mail processes run as nobody and must be able to pass through the
    /// folders above their maildirs: the sandbox, demo and home folders get the search bit for others (o+x, never read;
    /// the files in them stay owner-only). When a folder above $DXMIG_HOME still shuts them out, null: the system temp
    /// folder is used instead (also when the path has a space or a quote, which dovecot.conf cannot hold).
    /// </summary>
    private static async Task<string?> SandboxFolderAsync(CliIo io, string home, string demo)
    {
        var sandbox = Path.Combine(demo, "sandbox");
        if (sandbox.IndexOfAny([' ', '\t', '"']) >= 0)
        {
            io.Console.MarkupLine(Markup.Escape($"注意: {sandbox} に空白か引用符があり dovecot.conf に書けないため、一時フォルダを使います / note: {sandbox} has a space or quote dovecot.conf cannot hold; using the system temp folder"));
            return null;
        }

        Directory.CreateDirectory(sandbox);
        if (Environment.IsPrivilegedProcess && !OperatingSystem.IsWindows())
        {
            var stop = Path.GetFullPath(home);
            for (var folder = new DirectoryInfo(sandbox); folder is not null && folder.FullName.StartsWith(stop, StringComparison.Ordinal); folder = folder.Parent)
            {
                if (!folder.UnixFileMode.HasFlag(UnixFileMode.OtherExecute))
                {
                    folder.UnixFileMode |= UnixFileMode.OtherExecute;
                }
            }
        }

        if (await DovecotServer.MailProcessesCanReachAsync(sandbox))
        {
            return sandbox;
        }

        io.Console.MarkupLine(Markup.Escape($"注意: {sandbox} の上のフォルダに Dovecot のメール処理 (nobody) が入れないため、一時フォルダを使います / note: Dovecot's mail processes (nobody) cannot reach {sandbox}; using the system temp folder"));
        return null;
    }

    private static async Task<bool> CheckAsync(
        CliIo io, string jobPath, Func<string, string?> environment, DovecotServer target, IdentityMap identities, CorpusManifest manifest, int first, int second, CancellationToken cancellationToken)
    {
        var bound = JobLoader.LoadForRun(jobPath, environment);
        var job = bound.File;
        var settings = (MailJobSettings)bound.Settings;
        var location = job.LedgerLocation();
        IReadOnlyList<LedgerRun> runs;
        await using (var ledger = await JobLedger.OpenAsync(location, io.Time, cancellationToken))
        {
            runs = await ledger.RecentRunsAsync(job.Name, 2, cancellationToken);
        }

        io.Console.Write(new Rule("[bold]メールの確認 / mail check[/]").LeftJustified());
        var table = new Table().Border(TableBorder.Rounded).Title("移行元 (生成したもの) と移行先 / source (as generated) vs target");
        foreach (var header in new[] { "アカウント / account", "移行先 / target mailbox", "件数 元 / source msgs", "件数 先 / target msgs", "バイト 元 / source bytes", "バイト 先 / target bytes", "結果 / result" })
        {
            table.AddColumn(header, c => c.Alignment = header.StartsWith("アカウント", StringComparison.Ordinal) || header.StartsWith("移行先", StringComparison.Ordinal) ? Justify.Left : Justify.Right);
        }

        var matched = new HashSet<ManifestMessage>();
        var problems = new List<string>();
        long sourceCount = 0, targetCount = 0, sourceBytes = 0, targetBytes = 0;
        foreach (var mailbox in manifest.Mailboxes)
        {
            var targetUser = identities.TargetOf(mailbox.User);
            IReadOnlyList<StoredMessage> stored;
            using (var client = await target.ConnectAsMasterAsync(targetUser, cancellationToken))
            {
                stored = await ImapMailboxReader.ReadMessagesAsync(client, cancellationToken);
                await client.DisconnectAsync(true, cancellationToken);
            }

            // Every generated message must be on the target exactly once, byte for byte, with its flags, keywords and
            // INTERNALDATE, in the folder the folder map sends it to; nothing else may be there.
            var onTarget = stored.GroupBy(Key).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
            var missing = 0;
            foreach (var message in mailbox.Messages)
            {
                var key = Key(message.ToStored() with { Folder = TargetFolder(settings, message.Folder) });
                if (onTarget.TryGetValue(key, out var left) && left > 0)
                {
                    onTarget[key] = left - 1;
                    matched.Add(message);
                }
                else
                {
                    missing++;
                }
            }

            var extra = onTarget.Values.Sum();
            var ok = missing == 0 && extra == 0;
            if (!ok)
            {
                problems.Add($"{mailbox.User}: 見つからない / missing {missing}, 余分 / extra {extra}");
            }

            var bytes = mailbox.Messages.Sum(m => m.Size);
            var storedBytes = stored.Sum(m => m.Size);
            table.AddRow(
                Markup.Escape(mailbox.User), Markup.Escape(targetUser), Units.Count(mailbox.Messages.Count), Units.Count(stored.Count),
                Units.Bytes(bytes), Units.Bytes(storedBytes), ok ? "[green]一致 / match[/]" : "[red]不一致 / MISMATCH[/]");
            sourceCount += mailbox.Messages.Count;
            targetCount += stored.Count;
            sourceBytes += bytes;
            targetBytes += storedBytes;
        }

        table.AddRow(
            "[bold]合計 / total[/]", string.Empty, Units.Count(sourceCount), Units.Count(targetCount), Units.Bytes(sourceBytes), Units.Bytes(targetBytes),
            problems.Count == 0 ? "[green]一致 / match[/]" : "[red]不一致 / MISMATCH[/]");
        io.Console.Write(table);

        var cases = new Table().Border(TableBorder.Rounded).Title("難しいメール / hard cases");
        cases.AddColumn("種類 / kind");
        cases.AddColumn("生成 / generated", c => c.Alignment = Justify.Right);
        cases.AddColumn("移行先で一致 / matched on target", c => c.Alignment = Justify.Right);
        foreach (var (kind, label) in HardCases)
        {
            var all = manifest.Messages.Where(m => m.Kind == kind).ToList();
            var found = all.Count(matched.Contains);
            cases.AddRow(Markup.Escape(label), Units.Count(all.Count), found == all.Count ? $"[green]{Units.Count(found)}[/]" : $"[red]{Units.Count(found)}[/]");
        }

        io.Console.Write(cases);
        var allMatched = problems.Count == 0;
        io.Console.MarkupLine(Markup.Escape(
            $"全 {Units.Count(sourceCount)} 通: 1 通ずつ、SHA-256・フラグ・キーワード・受信日時まで {(allMatched ? "一致 / match" : "不一致 / MISMATCH")} "
            + "(every message once, byte-exact SHA-256, flags, keywords, internal date)"));
        foreach (var problem in problems)
        {
            io.Console.MarkupLine(Markup.Escape($"  {problem}"));
        }

        var firstRun = runs.Count == 2 ? runs[1] : null;
        var secondRun = runs.Count >= 1 ? runs[0] : null;
        var firstLoaded = firstRun is { } f && f.Loaded == sourceCount && f.Quarantined == 0;
        var secondClean = secondRun is { Seen: 0, Loaded: 0, Removed: 0, Bytes: 0, Quarantined: 0 } && firstRun is not null;
        io.Console.MarkupLine(Markup.Escape(
            $"1 回目の実行: 投入 {Units.Count(firstRun?.Loaded ?? 0)} 通、{Units.Bytes(firstRun?.Bytes ?? 0)} — {(firstLoaded ? "全件投入 / everything loaded" : "想定外 / UNEXPECTED")}"));
        io.Console.MarkupLine(Markup.Escape(
            $"2 回目の実行: 読込 {Units.Count(secondRun?.Seen ?? 0)} 通、投入 {Units.Count(secondRun?.Loaded ?? 0)} 通、{Units.Bytes(secondRun?.Bytes ?? 0)} — "
            + (secondClean ? "何も読まず何も書かず / read nothing, wrote nothing" : "想定外 / UNEXPECTED")));
        io.Console.MarkupLine(Markup.Escape($"台帳 / ledger: {location}"));
        io.Console.MarkupLine(Markup.Escape($"ログ / logs: {Path.Combine(job.LogFolder, job.Name)}"));
        io.Console.MarkupLine(Markup.Escape($"履歴 / history: ./dxmig status --ledger {location}"));

        return first == ExitCodes.Success && second == ExitCodes.Success && allMatched && targetCount == sourceCount && firstLoaded && secondClean;
    }

    private static string TargetFolder(MailJobSettings settings, string folder) =>
        settings.Folders.Roles.TryGetValue(folder, out var role) && settings.Folders.Targets.TryGetValue(role, out var mapped) ? mapped : folder;

    private static string Key(StoredMessage m) => string.Join(
        '\n', m.Folder, m.Sha256, m.Size.ToString(CultureInfo.InvariantCulture), ((int)m.Flags).ToString(CultureInfo.InvariantCulture),
        string.Join(' ', m.Keywords), m.InternalDate.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));

    private static bool Stopped(CliIo io)
    {
        io.Console.MarkupLine("[yellow]停止しました / stopped[/]");
        return false;
    }
}
