using Dxmig.Contracts;
using Dxmig.Jobs.AddressBook;
using Dxmig.Jobs;
using System.CommandLine;
using Dxmig.Cli.Console;
using Dxmig.Sandbox.Samples;
using Dxmig.Loaders.PlatformStore;
using Dxmig.Platform.JobFiles;
using Dxmig.Platform.Ledger;
using Dxmig.Contracts.Mappings;
using Dxmig.Platform.Pipeline;
using Dxmig.Platform.Storage;
using Dxmig.Sandbox;
using Microsoft.EntityFrameworkCore;
using Spectre.Console;

namespace Dxmig.Demo;

/// <summary>
/// <c>dxmig demo</c>: generates sample Active! Mail address-book exports, runs the demo job end to end on the embedded
/// default (SQLite ledger and platform store), checks the store against the ledger; then the mail part
/// (<see cref="MailDemo"/>): two private Dovecot servers, generated Japanese mailboxes, the mail job twice, the target
/// checked message by message. Says where everything is; exit code 0 only when both parts' checks hold. With
/// <c>--console</c> it then serves the operator console over the demo's jobs until Ctrl+C (<see cref="DemoConsole"/>).
/// </summary>
internal static class DemoCommand
{
    public const string JobPath = "jobs/demo-addressbook.yaml";

    public static Command Create(CliIo io, Func<CancellationToken> stopToken)
    {
        var reset = new Option<bool>("--reset") { Description = "前回のデモのデータを消してからやり直します / start again from nothing" };
        var console = new Option<bool>("--console")
        {
            Description = "実行のあと、デモのジョブを操作コンソール (http://127.0.0.1) で見せ続けます (Ctrl+C で終了) / afterwards, serve the operator console over the demo's jobs on loopback until Ctrl+C",
        };
        var command = new Command("demo", "サンプルデータでジョブを最初から最後まで実行します / run the main job end to end on sample data") { reset, console };
        command.SetAction((parse, _) => ExecuteAsync(io, parse.GetValue(reset), stopToken(), parse.GetValue(console)));
        return command;
    }

    public static async Task<int> ExecuteAsync(CliIo io, bool reset, CancellationToken stopToken, bool console = false)
    {
        var repo = io.Environment("DXMIG_REPO") is { Length: > 0 } r ? r : Directory.GetCurrentDirectory();
        var job = Path.Combine(repo, JobPath);
        if (!File.Exists(job))
        {
            io.Error.WriteLine($"デモのジョブファイル {job} がありません。リポジトリの最上位で実行してください / demo job {job} not found; run from the repository root");
            return ExitCodes.Failed;
        }

        var home = io.Environment(DxmigHome.Variable) is { Length: > 0 } ? DxmigHome.Resolve(io.Environment) : Path.Combine(repo, ".dxmig");
        var demo = Path.Combine(home, "demo");
        if (reset && Directory.Exists(demo))
        {
            // Servers a killed demo left running in the sandbox are stopped first, then everything goes.
            DovecotServer.ReapAbandoned(Path.Combine(demo, "sandbox"));
            Directory.Delete(demo, recursive: true);
        }

        var exports = Path.Combine(demo, "addressbooks");
        var identityDiagnostics = new DiagnosticBag();
        var identities = IdentityMap.Load(Path.Combine(repo, "mappings", "demo-identity.csv"), identityDiagnostics)
            ?? throw new InvalidOperationException(identityDiagnostics.Render());
        if (!Directory.Exists(exports))
        {
            var accounts = identities.SourceAccounts.Order(StringComparer.Ordinal).ToList();
            var files = AddressBookSamples.Write(exports, accounts).Files;
            io.Console.MarkupLine(Markup.Escape($"サンプルのアドレス帳を {files.Count} 件作りました (CP932 と UTF-8 BOM 付き) / wrote {files.Count} sample address book exports: {exports}"));
        }

        var demoVariables = new Dictionary<string, string> { ["DXMIG_DEMO_DIR"] = demo, [DxmigHome.Variable] = home };
        var environment = Overlay(io.Environment, demoVariables);
        var addressBook = await AddressBookAsync(io, environment, job, stopToken);
        if (stopToken.IsCancellationRequested)
        {
            io.Console.MarkupLine("[yellow]停止しました / stopped[/]");
            return ExitCodes.Failed;
        }

        var mail = await MailDemo.RunAsync(
            io, repo, home, demo, extra => Overlay(io.Environment, new Dictionary<string, string>(demoVariables.Concat(extra))), stopToken);

        io.Console.Write(new Rule("[bold]結果 / result[/]").LeftJustified());
        io.Console.MarkupLine(Markup.Escape($"アドレス帳 / address book: {(addressBook ? "OK" : "NG")}   メール / mail: {(mail ? "OK" : "NG")}"));
        io.Console.MarkupLine(addressBook && mail
            ? "[green]デモ完了: アドレス帳もメールも、失われたもの・重複したものはありません / demo complete: address book and mail, nothing lost, nothing doubled[/]"
            : "[red]デモで想定外の結果が出ました (上を参照) / the demo found something unexpected (see above)[/]");
        var code = addressBook && mail ? ExitCodes.Success : ExitCodes.Failed;
        if (console && !stopToken.IsCancellationRequested)
        {
            // --console: the demo's runs stay on view in the operator console until Ctrl+C.
            var served = await DemoConsole.ServeAsync(io, repo, demo, environment, stopToken);
            return code == ExitCodes.Success ? served : code;
        }

        return code;
    }

    private static async Task<bool> AddressBookAsync(CliIo io, Func<string, string?> environment, string job, CancellationToken stopToken)
    {
        var demoIo = new CliIo(io.Output, io.Error, io.Interactive, environment, io.Time);
        io.Console.Write(new Rule("[bold]アドレス帳 1 回目の実行 / address book: first run[/]").LeftJustified());
        var first = await CliJobConsole.RunJobAsync(demoIo, new JobRunOptions(job), stopToken);
        if (first == ExitCodes.Failed)
        {
            io.Console.MarkupLine("[red]1 回目の実行が失敗しました (上を参照) / the first run failed (see above)[/]");
            return false;
        }

        io.Console.Write(new Rule("[bold]アドレス帳 2 回目の実行 (何も変わらないはず) / address book: second run (should change nothing)[/]").LeftJustified());
        var second = await CliJobConsole.RunJobAsync(demoIo, new JobRunOptions(job), stopToken);

        return await CheckAsync(io, environment, job, first, second, stopToken);
    }

    private static async Task<bool> CheckAsync(CliIo io, Func<string, string?> environment, string jobPath, int first, int second, CancellationToken cancellationToken)
    {
        var bound = JobLoader.LoadForRun(jobPath, environment);
        var job = bound.File;
        await using var ledger = await JobLedger.OpenAsync(job.LedgerLocation(), io.Time, cancellationToken);
        var runs = await ledger.RecentRunsAsync(job.Name, 2, cancellationToken);
        var loadedInLedger = (await ledger.ItemsInStateAsync(job.Name, ItemState.Loaded, int.MaxValue, cancellationToken)).Count;
        var quarantined = (await ledger.ItemsInStateAsync(job.Name, ItemState.Quarantined, int.MaxValue, cancellationToken)).Count;
        var skipped = (await ledger.ItemsInStateAsync(job.Name, ItemState.Skipped, int.MaxValue, cancellationToken)).Count;

        var settings = (AddressBookJobSettings)bound.Settings;
        var store = StoreLocation.Parse(settings.Store, job.Directory);
        await using var db = new PlatformDbContext(StoreContextFactory.CreateOptions<PlatformDbContext>(store));
        var contacts = await db.Contacts.CountAsync(cancellationToken);
        var samples = await db.Contacts.Where(c => c.Gaiji != null).OrderBy(c => c.Id).Take(2).ToListAsync(cancellationToken);

        io.Console.Write(new Rule("[bold]アドレス帳の確認 / address book check[/]").LeftJustified());
        var table = new Table().Border(TableBorder.Rounded).Title("移行先の連絡先 (外字・①・㈱・髙 を含む例) / sample contacts in the store");
        table.AddColumn("所有者 / owner");
        table.AddColumn("名前 → 表示名 / name → display");
        table.AddColumn("ふりがな → 正規化 / kana → normalised");
        table.AddColumn("組織 / organisation");
        table.AddColumn("電話1 → E.164 / phone");
        table.AddColumn("外字 / gaiji");
        foreach (var c in samples)
        {
            table.AddRow(Markup.Escape(c.OwnerTarget ?? c.OwnerAccount), Markup.Escape($"{c.Name.Replace('\uE000', '〓')} → {c.DisplayName}"), Markup.Escape($"{c.Kana} → {c.KanaNormalized}"), Markup.Escape($"{c.Organization} {c.Department}"),
                Markup.Escape($"{c.Phone1} → {c.Phone1E164}"), Markup.Escape(c.Gaiji ?? string.Empty));
        }

        io.Console.Write(table);
        var storeMatches = contacts == loadedInLedger;
        var secondClean = runs.Count == 2 && runs[0].Loaded == 0 && runs[0].AlreadyDone == loadedInLedger;
        var plantedFound = quarantined == AddressBookSamples.PlantedQuarantined && skipped == AddressBookSamples.PlantedSkipped;
        io.Console.MarkupLine(Markup.Escape($"移行先の連絡先 {contacts} 件 / 台帳の投入済み {loadedInLedger} 件 — {(storeMatches ? "一致 / match" : "不一致 / MISMATCH")} (contacts in the store vs loaded in the ledger)"));
        io.Console.MarkupLine(Markup.Escape($"2 回目の実行: 新規投入 {runs[0].Loaded} 件、処理済み {runs[0].AlreadyDone} 件 — {(secondClean ? "重複なし / nothing doubled" : "想定外 / UNEXPECTED")}"));
        io.Console.MarkupLine(Markup.Escape($"仕込んだ不正行: 隔離 {quarantined} 件 (想定 {AddressBookSamples.PlantedQuarantined})、スキップ {skipped} 件 (想定 {AddressBookSamples.PlantedSkipped}) — {(plantedFound ? "想定どおり / as planted" : "想定外 / UNEXPECTED")}"));
        io.Console.MarkupLine(Markup.Escape($"台帳 / ledger: {ledger.Location}"));
        io.Console.MarkupLine(Markup.Escape($"移行先 / platform store: {store}"));
        io.Console.MarkupLine(Markup.Escape($"ログ / logs: {Path.Combine(job.LogFolder, job.Name)}"));
        io.Console.MarkupLine(Markup.Escape($"履歴 / history: ./dxmig status {JobPath}"));

        var ok = first is ExitCodes.Success or ExitCodes.Quarantined && second is ExitCodes.Success or ExitCodes.Quarantined && storeMatches && secondClean && plantedFound;
        io.Console.MarkupLine(ok
            ? "[green]アドレス帳: すべての行が投入・スキップ・隔離のいずれかになり、重複はありません / address book: every row loaded, skipped or quarantined; nothing doubled[/]"
            : "[red]アドレス帳で想定外の結果が出ました (上を参照) / the address book part found something unexpected (see above)[/]");
        return ok;
    }

    private static Func<string, string?> Overlay(Func<string, string?> environment, Dictionary<string, string> overrides) =>
        name => overrides.TryGetValue(name, out var value) ? value : environment(name);
}
