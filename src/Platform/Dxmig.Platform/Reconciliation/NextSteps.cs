using System.Globalization;

namespace Dxmig.Platform.Reconciliation;

/// <summary>One thing to do after a reconciliation, in plain words (Japanese, English), with the command when there is one.</summary>
/// <param name="Id">What it is about: nothing, not-reconciled, mismatches, exceptions, pending-deletions, conflicts.</param>
/// <param name="Japanese">The sentence in Japanese.</param>
/// <param name="English">The sentence in English.</param>
/// <param name="Command">The command to type, when one does it.</param>
public sealed record NextStep(string Id, string Japanese, string English, string? Command = null);

/// <summary>
/// "次にすること / what to do next" for a report: one step per kind of finding, from the most urgent (accounts that
/// could not be reconciled) to the least (conflicts an admin must see); "nothing" when everything arrived and matches.
/// </summary>
public static class NextSteps
{
    /// <summary>Accounts named in a step's sentence and command; the rest are counted.</summary>
    public const int AccountsNamed = 10;

    public static IReadOnlyList<NextStep> For(ReportHeader header, IReadOnlyList<AccountReconciliation> accounts)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(accounts);
        var job = header.JobFile ?? header.Job;
        var steps = new List<NextStep>();
        var failed = accounts.Where(a => !a.Reconciled).Select(a => a.Account).ToList();
        if (failed.Count > 0)
        {
            var log = header.LogFile ?? "logs";
            var names = Names(failed);
            steps.Add(new NextStep(
                "not-reconciled",
                $"照合できなかったアカウント {names} について、ログ {log} でそのアカウントの行を見て原因 (接続・ログイン・証明書など) を直し、照合をやり直してください",
                $"look at the lines for {names} in the log {log}, fix the cause (connection, login, certificate…), then reconcile again",
                $"dxmig reconcile {job} --accounts {string.Join(',', failed.Take(AccountsNamed))}"));
        }

        var totals = new ContainerTally("*");
        foreach (var a in accounts.Where(a => a.Reconciled))
        {
            totals.Add(a.Totals);
        }

        if (totals.Missing + totals.Doubled + totals.Differences + totals.Extra > 0)
        {
            var counts = string.Create(CultureInfo.InvariantCulture,
                $"欠落 {totals.Missing:N0}・重複 {totals.Doubled:N0}・相違 {totals.Differences:N0}・余分 {totals.Extra:N0}");
            var english = string.Create(CultureInfo.InvariantCulture,
                $"missing {totals.Missing:N0}, doubled {totals.Doubled:N0}, differing {totals.Differences:N0}, extra {totals.Extra:N0}");
            steps.Add(new NextStep(
                "mismatches",
                $"{counts}: missing.csv・doubled.csv・differences.csv・extra.csv で項目を確かめてください。ジョブをもう一度実行すると、欠落と相違は移し直されます",
                $"{english}: check the items in missing.csv, doubled.csv, differences.csv and extra.csv; running the job again moves what is missing or differs",
                $"dxmig run {job}"));
        }

        if (totals.Quarantined + totals.Unreadable > 0)
        {
            var rows = totals.Quarantined + totals.Unreadable;
            steps.Add(new NextStep(
                "exceptions",
                string.Create(CultureInfo.InvariantCulture,
                    $"exceptions.csv の {rows:N0} 件 (隔離 {totals.Quarantined:N0}・読めない {totals.Unreadable:N0}) を、理由と説明の列を見て移行元 (エクスポートのファイルやメールボックス) で直し、ジョブをもう一度実行してください"),
                string.Create(CultureInfo.InvariantCulture,
                    $"fix the {rows:N0} rows listed in exceptions.csv (quarantined {totals.Quarantined:N0}, unreadable {totals.Unreadable:N0}) at the source (the export file, the mailbox) as their reason and detail say, then run the job again"),
                $"dxmig run {job}"));
        }

        if (header.PendingDeletionsFile is { } pending && header.RunId is { } run)
        {
            steps.Add(new NextStep(
                "pending-deletions",
                $"しきい値で保留した削除の一覧 {pending} を確認し、正しければ削除を確定してください",
                $"review the deletions held back at the threshold in {pending}; if they are right, confirm them",
                $"dxmig run {job} --confirm-deletes {run}"));
        }

        if (header.Conflicts.Count > 0)
        {
            steps.Add(new NextStep(
                "conflicts",
                string.Create(CultureInfo.InvariantCulture, $"管理者が確認すべき不整合が {header.Conflicts.Count:N0} 件あります (conflicts.csv)。台帳・元データを確かめて直してください"),
                string.Create(CultureInfo.InvariantCulture, $"{header.Conflicts.Count:N0} conflict(s) an admin must see (conflicts.csv): check and correct the records")));
        }

        if (steps.Count == 0)
        {
            steps.Add(new NextStep("nothing", "何もする必要はありません。移るべき項目はすべて届いて一致しています", "nothing to do: everything that should arrive arrived and matches"));
        }

        return steps;
    }

    private static string Names(List<string> accounts) => accounts.Count <= AccountsNamed
        ? string.Join(", ", accounts)
        : string.Create(CultureInfo.InvariantCulture,
            $"{string.Join(", ", accounts.Take(AccountsNamed))} … 他 {accounts.Count - AccountsNamed:N0} 件 / … and {accounts.Count - AccountsNamed:N0} more");
}
