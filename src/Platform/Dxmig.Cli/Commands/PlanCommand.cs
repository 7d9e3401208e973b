using Dxmig.Jobs.Common;
using Dxmig.Jobs;
using Dxmig.Jobs.Planning;
using System.CommandLine;
using System.Globalization;
using Dxmig.Cli.Console;
using Dxmig.Platform.JobFiles;
using Dxmig.Platform.Logging;
using Dxmig.Platform.Pipeline;
using Dxmig.Platform.Scheduling;

namespace Dxmig.Cli.Commands;

/// <summary>
/// <c>dxmig plan JOB</c>: reads what the job's source holds per account (<see cref="PlanService"/>: mailboxes by
/// messages and bytes through IMAP, exports by rows and bytes, document folders by files and bytes), and estimates against the target's per-account rate and the job's run windows how
/// many windows (nights) the job needs with its parallelism on <c>--nodes</c> nodes, which accounts cannot finish in
/// one window, and how many nodes finish it in <c>--windows</c> windows (the larger of what the account slots and one
/// node's measured capacity demand).
/// </summary>
internal static class PlanCommand
{
    private const double MiB = 1024 * 1024;

    /// <summary>Accounts named at most on the "cannot finish in one window" line.</summary>
    private const int MostNamed = 20;

    public static Command Create(CliIo io, Func<CancellationToken> stopToken)
    {
        var job = new Argument<string?>("job") { Description = "ジョブファイル / job file", Arity = ArgumentArity.ZeroOrOne };
        var config = new Option<string?>("--config") { Description = $"閉庁日の設定ファイル (既定 {CalendarCommand.DefaultConfig}) / closed-days file (default {CalendarCommand.DefaultConfig})" };
        var throughput = new Option<double?>("--throughput") { Description = "アカウントごとの書き込み速度 MB/s (実測値など) / write rate per account in MB/s (from a measured run)" };
        var items = new Option<double?>("--items-per-second") { Description = "アカウントごとの件数/秒 / items per second per account" };
        var noStatusSize = new Option<bool>("--fetch-sizes") { Description = "STATUS=SIZE があっても FETCH RFC822.SIZE で数える / sum FETCH RFC822.SIZE even where STATUS=SIZE is offered" };
        var nodes = new Option<int>("--nodes") { Description = "見積もりのノード数 (各ノードがジョブの並列数で動く) / nodes the estimate is for, each running the job's parallelism", DefaultValueFactory = _ => 1 };
        var windows = new Option<int>("--windows") { Description = "この回数の窓で終えるのに必要なノード数を出す / say how many nodes finish the job in this many windows", DefaultValueFactory = _ => 1 };
        var capacity = new Option<double?>("--node-capacity") { Description = string.Create(CultureInfo.InvariantCulture, $"1 ノードの処理能力 MB/s (既定は実測の {NodeCapacity.MeasuredMegabytesPerSecond:0} MB/s) / what one node moves at most, MB/s (default: the measured {NodeCapacity.MeasuredMegabytesPerSecond:0} MB/s)") };
        var json = new Option<bool>("--json") { Description = "結果を JSON で出力 (1 ジョブ 1 オブジェクト) / print the plan as JSON, one object per job" };
        var all = new Option<bool>("--all") { Description = "ジョブフォルダーのすべてのジョブを見積もる / plan every job file of the jobs folder" };
        var jobs = new Option<string?>("--jobs") { Description = "--all で読むフォルダー (既定: ./jobs) / folder --all reads (default: ./jobs)" };
        var rates = new Option<string?>("--rates") { Description = $"速度の設定ファイル (既定: ${PlanRateBook.Variable}、なければ同梱の mappings/{PlanRateBook.FileName}) / rates file (default: ${PlanRateBook.Variable}, else the shipped mappings/{PlanRateBook.FileName})" };
        var assumeAccounts = new Option<int?>("--assume-accounts") { Description = "移行元を読まずにこの数のアカウントで見積もる / plan for this many accounts instead of reading the source" };
        var assumeBytes = new Option<string?>("--assume-bytes") { Description = "--assume-accounts の合計容量 (例 15TB) / total size of the assumed accounts (e.g. 15TB)" };
        var assumeItems = new Option<long?>("--assume-items") { Description = "--assume-accounts の合計件数 (既定: 容量 ÷ 96 KB) / total items of the assumed accounts (default: the bytes over 96 KB)" };
        var sizeMix = new Option<string?>("--size-mix") { Description = "アカウントの容量分布のファイル (mix: share, mb) / the accounts' size mix (mix: share, mb)" };
        var command = new Command("plan", "移行に必要な夜間・閉庁日の回数とノード数を見積もります / estimate how many run windows and nodes a job needs")
        {
            job, config, throughput, items, noStatusSize, nodes, windows, capacity, json, all, jobs, rates, assumeAccounts, assumeBytes, assumeItems, sizeMix,
        };
        command.SetAction(async (parse, ct) =>
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, stopToken());
            var given = parse.GetValue(capacity);
            var nodePlan = new NodePlan(
                parse.GetValue(nodes), parse.GetValue(windows),
                given is { } mb ? new NodeCapacity(mb * MiB, string.Create(CultureInfo.InvariantCulture, $"指定値 / given: {mb} MB/s per node (--node-capacity)")) : NodeCapacity.Measured)
            {
                CapacityGiven = given is not null,
            };
            var assumed = Assume(io, parse.GetValue(assumeAccounts), parse.GetValue(assumeBytes), parse.GetValue(assumeItems), parse.GetValue(sizeMix));
            if (!assumed.Ok)
            {
                return ExitCodes.Failed;
            }

            var options = new PlanOptions(new GivenThroughput(parse.GetValue(throughput), parse.GetValue(items)), !parse.GetValue(noStatusSize), nodePlan)
            {
                Json = parse.GetValue(json),
                Rates = parse.GetValue(rates),
                Assumed = assumed.Value,
            };
            var path = parse.GetValue(job);
            if (parse.GetValue(all))
            {
                return await ExecuteAllAsync(io, parse.GetValue(jobs) ?? (path is not null && Directory.Exists(path) ? path : "jobs"), parse.GetValue(config), options, linked.Token);
            }

            if (path is null)
            {
                io.Error.WriteLine("ジョブファイルを指定してください (すべてなら --all) / name a job file (or --all for every job)");
                return ExitCodes.Failed;
            }

            return await ExecuteAsync(io, path, parse.GetValue(config), options, linked.Token);
        });
        return command;
    }

    /// <summary>The <c>--assume-*</c> options as a scale (Value null: none asked); Ok false when they are wrong (said why).</summary>
    private static (bool Ok, AssumedSizes? Value) Assume(CliIo io, int? accounts, string? bytes, long? items, string? mixPath)
    {
        if (accounts is null && bytes is null && items is null && mixPath is null)
        {
            return (true, null);
        }

        var total = AssumedSizes.ParseBytes(bytes);
        if (accounts is not > 0 || total is null || items is < 0)
        {
            io.Error.WriteLine("--assume-accounts (1 以上) と --assume-bytes (例 15TB) を一緒に指定してください / give --assume-accounts (1 or more) together with --assume-bytes (e.g. 15TB)");
            return (false, null);
        }

        try
        {
            var mix = mixPath is null ? null : AssumedSizes.LoadMix(mixPath);
            return (true, new AssumedSizes(accounts.Value, total.Value, items, mix, mixPath is null ? null : Dxmig.Contracts.DisplayPath.Of(mixPath)));
        }
        catch (Dxmig.Contracts.ConfigurationException ex)
        {
            io.Error.WriteLine(ex.Message);
            return (false, null);
        }
    }

    /// <summary>What <c>dxmig plan</c> was asked besides the job.</summary>
    public sealed record PlanOptions(GivenThroughput Given, bool UseStatusSize, NodePlan Nodes)
    {
        public bool Json { get; init; }

        /// <summary><c>--rates FILE</c>; null: <c>$DXMIG_PLAN_RATES</c>, else the shipped file.</summary>
        public string? Rates { get; init; }

        public AssumedSizes? Assumed { get; init; }
    }

    /// <summary><c>dxmig plan --all</c>: every job file (<c>*.yaml</c>) of the folder, in name order; a job that cannot be planned is said and the others go on.</summary>
    public static async Task<int> ExecuteAllAsync(CliIo io, string folder, string? configPath, PlanOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!Directory.Exists(folder))
        {
            io.Error.WriteLine($"ジョブのフォルダーがありません: {folder} / the jobs folder does not exist: {folder}");
            return ExitCodes.Failed;
        }

        var files = Directory.GetFiles(folder, "*.yaml").Concat(Directory.GetFiles(folder, "*.yml")).Order(StringComparer.Ordinal).ToList();
        var outcomes = new List<PlanOutcome>();
        var code = ExitCodes.Success;
        foreach (var file in files)
        {
            if (!options.Json)
            {
                io.Line($"== {file}");
            }

            int one;
            PlanOutcome? outcome;
            try
            {
                (one, outcome) = await PlanOneAsync(io, file, configPath, options with { Json = false }, print: !options.Json, cancellationToken);
            }
            catch (Dxmig.Contracts.ConfigurationException ex)
            {
                // One job's mistake does not stop the others.
                io.Error.WriteLine($"{file}: {ex.Message}");
                (one, outcome) = (ExitCodes.Failed, null);
            }

            if (outcome is not null)
            {
                outcomes.Add(outcome);
            }

            if (one != ExitCodes.Success)
            {
                code = ExitCodes.Failed;
            }
        }

        if (options.Json)
        {
            io.Output.WriteLine(PlanJson.WriteAll(outcomes));
        }

        return code;
    }

    public static Task<int> ExecuteAsync(
        CliIo io, string jobPath, string? configPath, GivenThroughput given, bool useStatusSize, NodePlan nodes, CancellationToken cancellationToken) =>
        ExecuteAsync(io, jobPath, configPath, new PlanOptions(given, useStatusSize, nodes), cancellationToken);

    public static async Task<int> ExecuteAsync(CliIo io, string jobPath, string? configPath, PlanOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var (code, outcome) = await PlanOneAsync(io, jobPath, configPath, options, print: !options.Json, cancellationToken);
        if (options.Json && outcome is not null)
        {
            io.Output.WriteLine(PlanJson.Write(outcome));
        }

        return code;
    }

    /// <summary>Plans one job; prints the text form when <paramref name="print"/>; the outcome is null when no estimate was made.</summary>
    private static async Task<(int Code, PlanOutcome? Outcome)> PlanOneAsync(
        CliIo io, string jobPath, string? configPath, PlanOptions options, bool print, CancellationToken cancellationToken)
    {
        var (given, nodes) = (options.Given, options.Nodes);
        if (given.MegabytesPerSecond <= 0 || given.ItemsPerSecond <= 0)
        {
            io.Error.WriteLine("--throughput と --items-per-second は正の数です / --throughput and --items-per-second must be positive");
            return (ExitCodes.Failed, null);
        }

        if (nodes.Nodes < 1 || nodes.Windows < 1 || nodes.Capacity.BytesPerSecond <= 0)
        {
            io.Error.WriteLine("--nodes と --windows は 1 以上、--node-capacity は正の数です / --nodes and --windows must be at least 1, --node-capacity positive");
            return (ExitCodes.Failed, null);
        }

        PlanOutcome outcome;
        JobFile job;
        try
        {
            // An assumed scale reads nothing of the source: the job is read as for its history (a source not there is no error).
            var loaded = options.Assumed is null ? JobLoader.LoadForRun(jobPath, io.Environment) : JobLoader.LoadForHistory(jobPath, io.Environment);
            job = loaded.File;
            if (CalendarCommand.LoadCalendar(io, configPath, job.Directory) is not { } calendar)
            {
                return (ExitCodes.Failed, null);
            }

            var request = new PlanRequest(given, new SizeRequest(options.UseStatusSize), nodes)
            {
                Rates = PlanRateFiles.Find(job.Directory, options.Rates, io.Environment),
                Assumed = options.Assumed,
            };
            outcome = await new PlanService(io.Time).PlanAsync(loaded, calendar.Calendar, request, cancellationToken);
        }
        catch (EndpointOutageException ex)
        {
            // The source cannot be reached: no estimate made of nothing.
            io.Error.WriteLine($"見積もりできません: {SecretMasker.Apply(ex.Message)} / no estimate: the source cannot be read");
            return (ExitCodes.Failed, null);
        }
        catch (Dxmig.Contracts.ConfigurationException ex) when (options.Json || !print)
        {
            // --json and --all say the job's problem and go on (a single text plan lets the CLI report it as for every command).
            io.Error.WriteLine($"{jobPath}: {ex.Message}");
            return (ExitCodes.Failed, null);
        }

        var (sizes, rate, plan) = (outcome.Sizes, outcome.Rate, outcome.Estimate);
        var read = outcome.Read;
        if (sizes.Count > 0 && read.Count == 0)
        {
            // Nothing could be read (an export missing, every mailbox refused): each reason once, and no table of zeros.
            io.Error.WriteLine($"移行元を読めなかったため見積もりできません ({sizes.Count} アカウントすべて) / no estimate: the source could not be read (all {sizes.Count} account(s))");
            foreach (var reason in sizes.Select(s => SecretMasker.Apply(s.Error ?? string.Empty)).Distinct(StringComparer.Ordinal).Take(5))
            {
                io.Error.WriteLine($"  {reason}");
            }

            return (ExitCodes.Failed, null);
        }

        if (!print)
        {
            return (outcome.Unread > 0 ? ExitCodes.Failed : ExitCodes.Success, outcome);
        }

        return (Print(io, job, outcome), outcome);
    }

    /// <summary>The plan in words and a table; the exit code (2 when an account could not be read).</summary>
    private static int Print(CliIo io, JobFile job, PlanOutcome outcome)
    {
        var (sizes, rate, plan, nodes) = (outcome.Sizes, outcome.Rate, outcome.Estimate, outcome.Asked);
        var read = outcome.Read;

        if (outcome.Unread > 0)
        {
            io.Line(
                $"部分的な見積もり: {outcome.Unread} / {sizes.Count} アカウントを読めませんでした (見積もりに含まれません) / " +
                $"partial estimate: {outcome.Unread} of {sizes.Count} account(s) could not be read and are not in it");
        }

        var zone = TimeZoneInfo.FindSystemTimeZoneById(job.Schedule?.TimeZone ?? ScheduleSpec.DefaultTimeZone);
        string At(DateTimeOffset t) => TimeZoneInfo.ConvertTime(t, zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

        io.Line(
            $"計画 / plan — ジョブ job {job.Name} ({job.Kind} → {rate.Name}), アカウント accounts {sizes.Count}, 並列 parallelism {job.Parallelism}" +
            (nodes.Nodes > 1 ? $", ノード nodes {nodes.Nodes}" : string.Empty));
        io.Line($"移行先の速度 / target rate: {rate.Basis}");
        if (outcome.Choice is { Entry: not null } choice)
        {
            io.Line($"速度の出典 / rate from: {choice.Source} — {PlanRate.StatusWords(choice.Status)}; 根拠 / basis: {choice.Basis}");
        }
        else if (outcome.Choice is { } builtIn)
        {
            io.Line($"速度の出典 / rate from: {builtIn.Source} — {PlanRate.StatusWords(builtIn.Status)}");
        }

        if (outcome.Assumed is { } assumed)
        {
            io.Line($"想定した規模 (移行元は読んでいません) / assumed scale, the source not read: {assumed.Describe()}");
        }

        io.Line($"1 ノードの処理能力 / one node's capacity: {nodes.Capacity.Basis}");
        io.Line($"実行時間帯 / run windows: {Describe(job.Schedule)}" +
            (plan.OneWindow is { } one ? $"; 1 回の窓 / one window: {At(one.Opens)} – {At(one.Closes)} ({Units.Duration(one.Length)})" : string.Empty));

        // Most important first to keep on a narrow terminal: the account, then how long it takes and whether it fits.
        var table = new TextTable()
            .Column("アカウント / account", CellKind.Name)
            .Column("フォルダ / folders", CellKind.Number, 6)
            .Column("件数 / items", CellKind.Number, 3)
            .Column("容量 / size", CellKind.Number, 2)
            .Column("所要時間 / time", CellKind.Number, 1)
            .Column("1 回の窓で終わる / fits one window", CellKind.Text)
            .Column("単独で必要な窓 / windows alone", CellKind.Number, 4)
            .Column("読み方 / read by", CellKind.Text, 5);

        var estimates = plan.Accounts.ToDictionary(a => a.Account.Account, StringComparer.Ordinal);
        var unread = new List<string>();
        foreach (var size in sizes)
        {
            if (size.Size is null || !estimates.TryGetValue(size.Account, out var e))
            {
                table.Row(size.Account, "-", "-", "-", "-", new TextCell("読めません / not read", "red"), "-", "-");
                unread.Add($"{size.Account}: 読めません / not read: {SecretMasker.Apply(size.Error ?? string.Empty)}");
                continue;
            }

            table.Row(
                size.Account, Units.Count(size.Size.Containers), Units.Count(size.Size.Items), Units.Bytes(size.Size.Bytes), Units.Duration(e.Duration),
                e.FitsOneWindow ? "はい / yes" : new TextCell("いいえ / no", "yellow"), e.WindowsAlone < 0 ? $"> {MigrationPlanner.MaxWindows}" : Units.Count(e.WindowsAlone), size.Method ?? string.Empty);
        }

        if (outcome.Assumed is null)
        {
            table.Write(io);
        }
        else if (plan.Accounts.Count > 0)
        {
            // Thousands of made-up accounts: their spread, not a table.
            var times = plan.Accounts.Select(a => a.Duration).Order().ToList();
            var largest = plan.Accounts.MaxBy(a => a.Account.Bytes)!;
            io.Line(
                $"1 アカウントの所要時間 / one account's time: 最短 shortest {Units.Duration(times[0])}, 中央 median {Units.Duration(times[times.Count / 2])}, " +
                $"最長 longest {Units.Duration(times[^1])} (最大のアカウント largest: {Units.Bytes(largest.Account.Bytes)}, {Units.Count(largest.Account.Items)} 件 items)");
        }

        foreach (var line in unread)
        {
            io.Error.WriteLine(RunSummaryPrinter.OneLine(line)); // one line per account, whatever the error's length
        }

        var total = read.Sum(s => s.Size!.Bytes);
        var windows = plan.Windows is { } count ? $"{count}" : $"> {MigrationPlanner.MaxWindows}";
        io.Line(
            $"合計 / total: {Units.Count(read.Sum(s => s.Size!.Items))} 件 items, {Units.Bytes(total)}; 作業時間 / work time {Units.Duration(plan.Work)} " +
            (nodes.Nodes > 1
                ? $"({nodes.Nodes} ノード × 並列 {job.Parallelism} / {nodes.Nodes} nodes × parallelism {job.Parallelism})"
                : $"(並列 {job.Parallelism} / parallelism {job.Parallelism})"));
        io.Line($"必要な窓 / windows needed: {windows}" + (plan.Finish is { } finish ? $"; 完了見込み / expected to finish {At(finish)}" : string.Empty));
        io.Line(NodesLine(outcome.Nodes, job.Parallelism, nodes.Capacity));
        var tooLong = plan.Accounts.Where(a => !a.FitsOneWindow).ToList();
        io.Line(tooLong.Count == 0
            ? "1 回の窓で終わらないアカウント / accounts that cannot finish in one window: なし / none"
            : $"1 回の窓で終わらないアカウント / accounts that cannot finish in one window: {string.Join(", ", tooLong.Take(MostNamed).Select(a => $"{a.Account.Account} ({Units.Duration(a.Duration)})"))}" +
              (tooLong.Count > MostNamed ? $" … ほか {tooLong.Count - MostNamed} / and {tooLong.Count - MostNamed} more" : string.Empty));
        var failed = sizes.Count - read.Count;
        if (failed > 0)
        {
            io.Error.WriteLine($"{failed} アカウントを読めませんでした (見積もりに含まれません) / {failed} account(s) could not be read and are not in the estimate");
            return ExitCodes.Failed;
        }

        return ExitCodes.Success;
    }

    /// <summary>The nodes line: how many nodes finish the job in the windows asked about, and what decides it.</summary>
    private static string NodesLine(NodeEstimate needed, int parallelism, NodeCapacity capacity)
    {
        var label = $"必要なノード数 ({needed.Windows} 回の窓で終えるには) / nodes needed to finish in {needed.Windows} window(s)";
        if (needed.Longest is { } longest)
        {
            return $"{label}: なし / none — {longest.Account.Account} は単独で {Units.Duration(longest.Duration)} かかり {needed.Windows} 回の窓に収まりません / " +
                   $"{longest.Account.Account} alone takes {Units.Duration(longest.Duration)}, more than {needed.Windows} window(s) hold (give more --windows)";
        }

        if (needed.Nodes is not { } count)
        {
            return $"{label}: 実行時間帯がない (常時) か開かないため、窓の数からは決まりません / none follows: the job has no run windows to count (always open, or never opens)";
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"{label}: {count} (アカウント枠 / account slots: {needed.BySlots} ノード nodes × 並列 parallelism {parallelism}; " +
            $"処理能力 / capacity: {needed.ByCapacity} ノード nodes, {Units.Bytes((long)needed.BytesPerSecond)}/s ÷ {Units.Bytes((long)capacity.BytesPerSecond)}/s per node over {Units.Duration(needed.Available)} of windows)");
    }

    private static string Describe(ScheduleSpec? schedule) => schedule is null
        ? "なし (常時) / none (always open)"
        : $"{schedule.Calendar}, " +
          (schedule.WindowStart is { } s && schedule.WindowEnd is { } e
              ? string.Create(CultureInfo.InvariantCulture, $"{s:HH\\:mm}-{e:HH\\:mm}")
              : schedule.Calendar == "closed-days" ? "閉庁日終日 / whole closed days" : "終日 / whole days") +
          $", {schedule.TimeZone}";
}
