using Dxmig.Jobs.Common;
using Dxmig.Jobs;
using System.CommandLine;
using System.Globalization;
using Dxmig.Cli.Console;
using Dxmig.Platform.JobFiles;
using Dxmig.Platform.Logging;
using Dxmig.Platform.Pipeline;
using Dxmig.Platform.Scheduling;
using Spectre.Console;

namespace Dxmig.Cli.Commands;

/// <summary>
/// <c>dxmig plan JOB</c>: reads what the job's source holds per account (<see cref="PlanService"/>: mailboxes by
/// messages and bytes through IMAP, exports by rows and bytes, document folders by files and bytes), and estimates against the target's per-account rate and the job's run windows how
/// many windows (nights) the job needs with its parallelism, and which accounts cannot finish in one window.
/// </summary>
internal static class PlanCommand
{
    public static Command Create(CliIo io, Func<CancellationToken> stopToken)
    {
        var job = new Argument<string>("job") { Description = "ジョブファイル / job file" };
        var config = new Option<string?>("--config") { Description = $"閉庁日の設定ファイル (既定 {CalendarCommand.DefaultConfig}) / closed-days file (default {CalendarCommand.DefaultConfig})" };
        var throughput = new Option<double?>("--throughput") { Description = "アカウントごとの書き込み速度 MB/s (実測値など) / write rate per account in MB/s (from a measured run)" };
        var items = new Option<double?>("--items-per-second") { Description = "アカウントごとの件数/秒 / items per second per account" };
        var noStatusSize = new Option<bool>("--fetch-sizes") { Description = "STATUS=SIZE があっても FETCH RFC822.SIZE で数える / sum FETCH RFC822.SIZE even where STATUS=SIZE is offered" };
        var command = new Command("plan", "移行に必要な夜間・閉庁日の回数を見積もります / estimate how many run windows a job needs") { job, config, throughput, items, noStatusSize };
        command.SetAction((parse, ct) =>
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, stopToken());
            return ExecuteAsync(
                io, parse.GetValue(job)!, parse.GetValue(config), new GivenThroughput(parse.GetValue(throughput), parse.GetValue(items)), !parse.GetValue(noStatusSize), linked.Token);
        });
        return command;
    }

    public static async Task<int> ExecuteAsync(CliIo io, string jobPath, string? configPath, GivenThroughput given, bool useStatusSize, CancellationToken cancellationToken)
    {
        if (given.MegabytesPerSecond <= 0 || given.ItemsPerSecond <= 0)
        {
            io.Error.WriteLine("--throughput と --items-per-second は正の数です / --throughput and --items-per-second must be positive");
            return ExitCodes.Failed;
        }

        var loaded = JobLoader.LoadForRun(jobPath, io.Environment);
        var job = loaded.File;
        if (CalendarCommand.LoadCalendar(io, configPath) is not { } calendar)
        {
            return ExitCodes.Failed;
        }

        var outcome = await new PlanService(io.Time).PlanAsync(loaded, calendar.Calendar, given, new SizeRequest(useStatusSize), cancellationToken);
        var (sizes, rate, plan) = (outcome.Sizes, outcome.Rate, outcome.Estimate);
        var read = outcome.Read;
        var zone = TimeZoneInfo.FindSystemTimeZoneById(job.Schedule?.TimeZone ?? ScheduleSpec.DefaultTimeZone);
        string At(DateTimeOffset t) => TimeZoneInfo.ConvertTime(t, zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

        io.Console.MarkupLine(Markup.Escape(
            $"計画 / plan — ジョブ job {job.Name} ({job.Kind} → {rate.Name}), アカウント accounts {sizes.Count}, 並列 parallelism {job.Parallelism}"));
        io.Console.MarkupLine(Markup.Escape($"移行先の速度 / target rate: {rate.Basis}"));
        io.Console.MarkupLine(Markup.Escape($"実行時間帯 / run windows: {Describe(job.Schedule)}" +
            (plan.OneWindow is { } one ? $"; 1 回の窓 / one window: {At(one.Opens)} – {At(one.Closes)} ({Units.Duration(one.Length)})" : string.Empty)));

        var table = new Table().Border(TableBorder.Rounded);
        foreach (var header in new[] { "アカウント / account", "フォルダ / folders", "件数 / items", "容量 / size", "所要時間 / time", "1 回の窓で終わる / fits one window", "単独で必要な窓 / windows alone", "読み方 / read by" })
        {
            table.AddColumn(header);
        }

        var estimates = plan.Accounts.ToDictionary(a => a.Account.Account, StringComparer.Ordinal);
        foreach (var size in sizes)
        {
            if (size.Size is null || !estimates.TryGetValue(size.Account, out var e))
            {
                table.AddRow(Markup.Escape(size.Account), "-", "-", "-", "-", "-", "-", Markup.Escape("読めません / not read: " + SecretMasker.Apply(size.Error ?? string.Empty)));
                continue;
            }

            table.AddRow(
                Markup.Escape(size.Account), Units.Count(size.Size.Containers), Units.Count(size.Size.Items), Units.Bytes(size.Size.Bytes), Units.Duration(e.Duration),
                e.FitsOneWindow ? "はい / yes" : "いいえ / no", e.WindowsAlone < 0 ? $"> {MigrationPlanner.MaxWindows}" : Units.Count(e.WindowsAlone), Markup.Escape(size.Method ?? string.Empty));
        }

        io.Console.Write(table);
        var total = read.Sum(s => s.Size!.Bytes);
        var windows = plan.Windows is { } count ? $"{count}" : $"> {MigrationPlanner.MaxWindows}";
        io.Console.MarkupLine(Markup.Escape(
            $"合計 / total: {Units.Count(read.Sum(s => s.Size!.Items))} 件 items, {Units.Bytes(total)}; 作業時間 / work time {Units.Duration(plan.Work)} (並列 {job.Parallelism} / parallelism {job.Parallelism})"));
        io.Console.MarkupLine(Markup.Escape(
            $"必要な窓 / windows needed: {windows}" + (plan.Finish is { } finish ? $"; 完了見込み / expected to finish {At(finish)}" : string.Empty)));
        var tooLong = plan.Accounts.Where(a => !a.FitsOneWindow).ToList();
        io.Console.MarkupLine(Markup.Escape(tooLong.Count == 0
            ? "1 回の窓で終わらないアカウント / accounts that cannot finish in one window: なし / none"
            : $"1 回の窓で終わらないアカウント / accounts that cannot finish in one window: {string.Join(", ", tooLong.Select(a => $"{a.Account.Account} ({Units.Duration(a.Duration)})"))}"));
        var failed = sizes.Count - read.Count;
        if (failed > 0)
        {
            io.Error.WriteLine($"{failed} アカウントを読めませんでした (見積もりに含まれません) / {failed} account(s) could not be read and are not in the estimate");
            return ExitCodes.Failed;
        }

        return ExitCodes.Success;
    }

    private static string Describe(ScheduleSpec? schedule) => schedule is null
        ? "なし (常時) / none (always open)"
        : $"{schedule.Calendar}, " +
          (schedule.WindowStart is { } s && schedule.WindowEnd is { } e
              ? string.Create(CultureInfo.InvariantCulture, $"{s:HH\\:mm}-{e:HH\\:mm}")
              : schedule.Calendar == "closed-days" ? "閉庁日終日 / whole closed days" : "終日 / whole days") +
          $", {schedule.TimeZone}";
}
