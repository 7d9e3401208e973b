using System.Globalization;
using System.Text;
using System.Text.Json;
using Dxmig.Jobs.Common;
using Dxmig.Platform.JobFiles;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Logging;
using Dxmig.Platform.Pipeline;

namespace Dxmig.Jobs.Console;

/// <summary>Where a list of held-back deletions stands.</summary>
public enum HeldBackState
{
    /// <summary>Waiting for a person: nothing is removed.</summary>
    Pending,

    /// <summary>Confirmed (in the console): the job's next run removes them.</summary>
    Confirmed,

    /// <summary>Confirmed and carried out by a run.</summary>
    Applied,
}

/// <summary>One removal of a list: the source's id and the target's key (mail: with its account and folder).</summary>
/// <param name="SourceId">The source id as the list names it (mail: the message's UIDVALIDITY:UID).</param>
/// <param name="TargetKey">The target's key (may be empty).</param>
/// <param name="Account">Mail lists: the account; else null.</param>
/// <param name="Container">Mail lists: the folder; else null.</param>
public sealed record HeldBackRow(string SourceId, string? TargetKey, string? Account, string? Container);

/// <summary>A person's confirmation of a list, kept beside it as <c>confirmed-deletions-{RUNID}.json</c> (<c>applied-deletions-{RUNID}.json</c> once a run carried it out).</summary>
/// <param name="RunId">The run that held the deletions back.</param>
/// <param name="Count">How many removals the person confirmed (the list's count).</param>
/// <param name="ConfirmedBy">Who confirmed (user name or UPN).</param>
/// <param name="ConfirmedUtc">When.</param>
/// <param name="AppliedByRun">The run that carried them out; null until then.</param>
/// <param name="AppliedUtc">When that run ended; null until then.</param>
public sealed record HeldBackConfirmation(
    string RunId, int Count, string ConfirmedBy, DateTime ConfirmedUtc, string? AppliedByRun = null, DateTime? AppliedUtc = null);

/// <summary>A run's list of held-back deletions.</summary>
/// <param name="RunId">The run that held them back.</param>
/// <param name="Count">How many removals the list holds.</param>
/// <param name="FirstRows">The first rows, in the list's order.</param>
/// <param name="FileUtc">The list's last write.</param>
/// <param name="Path">The list (CSV).</param>
/// <param name="IdColumn">The list's source-id column as its header names it (employee_id, account/contact, native_id…).</param>
/// <param name="State">Pending, confirmed or applied.</param>
/// <param name="Confirmation">The confirmation when there is one.</param>
public sealed record HeldBackList(
    string RunId, int Count, IReadOnlyList<HeldBackRow> FirstRows, DateTime FileUtc, string Path, string IdColumn, HeldBackState State,
    HeldBackConfirmation? Confirmation);

/// <summary>What confirming a list did.</summary>
/// <param name="Accepted">The confirmation was written.</param>
/// <param name="Message">What the person reads (Japanese / English), accepted or refused.</param>
/// <param name="Confirmation">The confirmation written, or the one already there; null otherwise.</param>
public sealed record HeldBackConfirmResult(bool Accepted, string Message, HeldBackConfirmation? Confirmation);

/// <summary>
/// The mass deletions a run held back at the job's threshold (<c>{logs}/{job}/pending-deletions-{RUNID}.csv</c>, written
/// by <see cref="PendingDeletions"/> and the mail kind's <c>MailPendingDeletions</c>), seen and confirmed from the
/// console. A confirmation is a marker beside the list; the job's next run without <c>--confirm-deletes</c> uses it as
/// if the person had typed <c>--confirm-deletes RUNID</c> (<see cref="ConfirmedRunId"/>), and a run that completes marks it
/// applied (<see cref="MarkAppliedAfterRun"/>), so it is carried out once; a failed or stopped run leaves it for the next.
/// </summary>
public static class HeldBackDeletions
{
    /// <summary>The default number of rows <see cref="ListAsync(JobFile, int, CancellationToken)"/> returns of each list.</summary>
    public const int DefaultFirstRows = 20;

    private const string PendingPrefix = "pending-deletions-";
    private const string ConfirmedPrefix = "confirmed-deletions-";
    private const string AppliedPrefix = "applied-deletions-";
    private const int MaxWhoLength = 320;

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>The job's log folder, where its lists and confirmations are.</summary>
    public static string Folder(JobFile job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return Path.Combine(job.LogFolder, job.Name);
    }

    /// <summary>Where a run's confirmation marker is.</summary>
    public static string ConfirmedPath(string folder, string runId) => Path.Combine(folder, $"{ConfirmedPrefix}{runId}.json");

    /// <summary>Where a run's marker is once carried out.</summary>
    public static string AppliedPath(string folder, string runId) => Path.Combine(folder, $"{AppliedPrefix}{runId}.json");

    /// <summary>The job's lists of held-back deletions, newest first, each with its count and first rows.</summary>
    /// <exception cref="IOException">A list cannot be read.</exception>
    public static Task<IReadOnlyList<HeldBackList>> ListAsync(JobFile job, int firstRows, CancellationToken cancellationToken) =>
        ListAsync(Folder(job), firstRows, cancellationToken);

    /// <summary>The lists in a job's log folder, newest first.</summary>
    /// <exception cref="IOException">A list cannot be read.</exception>
    public static async Task<IReadOnlyList<HeldBackList>> ListAsync(string folder, int firstRows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (!Directory.Exists(folder))
        {
            return [];
        }

        var lists = new List<HeldBackList>();
        foreach (var path in Directory.EnumerateFiles(folder, PendingPrefix + "*.csv"))
        {
            var runId = Path.GetFileNameWithoutExtension(path)[PendingPrefix.Length..];
            if (!ConsoleQueries.IsRunId(runId))
            {
                continue;
            }

            if (await ReadListAsync(folder, runId, Math.Max(0, firstRows), cancellationToken) is { } list)
            {
                lists.Add(list);
            }
        }

        return [.. lists.OrderByDescending(l => l.RunId, StringComparer.Ordinal)];
    }

    /// <summary>One run's list; null when the run id is not one or the run has no list.</summary>
    /// <exception cref="IOException">The list cannot be read.</exception>
    public static Task<HeldBackList?> FindAsync(JobFile job, string runId, int firstRows, CancellationToken cancellationToken) =>
        ConsoleQueries.IsRunId(runId) ? ReadListAsync(Folder(job), runId, Math.Max(0, firstRows), cancellationToken) : Task.FromResult<HeldBackList?>(null);

    /// <summary>
    /// Confirms a run's list: written only when <paramref name="confirmedCount"/> is the list's count (the person has
    /// read how many will go) and the list is not confirmed already; <paramref name="who"/> (user name or UPN) is recorded. Writes <c>confirmed-deletions-{RUNID}.json</c>
    /// beside the list; the job's next run carries the removals out.
    /// </summary>
    /// <exception cref="IOException">The list cannot be read or the marker cannot be written.</exception>
    public static Task<HeldBackConfirmResult> ConfirmAsync(
        JobFile job, string runId, int confirmedCount, string who, TimeProvider time, CancellationToken cancellationToken) =>
        ConfirmAsync(Folder(job), runId, confirmedCount, who, time, cancellationToken);

    /// <summary>As <see cref="ConfirmAsync(JobFile, string, int, string, TimeProvider, CancellationToken)"/> in a job's log folder.</summary>
    /// <exception cref="IOException">The list cannot be read or the marker cannot be written.</exception>
    public static async Task<HeldBackConfirmResult> ConfirmAsync(
        string folder, string runId, int confirmedCount, string who, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(time);
        if (!ConsoleQueries.IsRunId(runId))
        {
            return Refused("実行 ID の形式ではありません / not a run id");
        }

        var person = SecretMasker.Apply(who?.Trim());
        if (person.Length == 0)
        {
            return Refused("確定した人がわかりません / who confirms is not known");
        }

        person = person.Length > MaxWhoLength ? person[..MaxWhoLength] : person;
        var list = await ReadListAsync(folder, runId, 0, cancellationToken);
        if (list is null)
        {
            return Refused($"実行 {runId} の削除保留一覧はありません / run {runId} has no list of held-back deletions");
        }

        if (list.Confirmation is { } earlier)
        {
            return list.State == HeldBackState.Applied
                ? new HeldBackConfirmResult(false,
                    $"実行 {runId} の削除 {earlier.Count} 件は実行 {earlier.AppliedByRun} で実施済みです / " +
                    $"the {earlier.Count} deletions of run {runId} were carried out by run {earlier.AppliedByRun}", earlier)
                : new HeldBackConfirmResult(false,
                    $"実行 {runId} の削除 {earlier.Count} 件は {earlier.ConfirmedBy} が {Utc(earlier.ConfirmedUtc)} に確定済みです (次の実行で削除します) / " +
                    $"the {earlier.Count} deletions of run {runId} were already confirmed by {earlier.ConfirmedBy} at {Utc(earlier.ConfirmedUtc)} (the next run carries them out)",
                    earlier);
        }

        if (confirmedCount != list.Count)
        {
            return Refused(
                $"入力された件数 {confirmedCount} が一覧の件数 {list.Count} と違うため、確定しませんでした。一覧を確認し、件数 {list.Count} を入力してください / " +
                $"not confirmed: the count entered ({confirmedCount}) is not the list's count ({list.Count}); review the list and enter {list.Count}");
        }

        var confirmation = new HeldBackConfirmation(runId, list.Count, person, time.GetUtcNow().UtcDateTime);
        var marker = ConfirmedPath(folder, runId);
        var temporary = marker + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        await File.WriteAllTextAsync(temporary, JsonSerializer.Serialize(confirmation, Json), new UTF8Encoding(false), cancellationToken);
        try
        {
            // Never over an existing marker: of two people confirming at once, one is told it was done already.
            File.Move(temporary, marker, overwrite: false);
        }
        catch (IOException) when (File.Exists(marker))
        {
            File.Delete(temporary);
            return await ConfirmAsync(folder, runId, confirmedCount, who!, time, cancellationToken);
        }

        return new HeldBackConfirmResult(true,
            $"実行 {runId} の削除 {list.Count} 件を確定しました。ジョブの次の実行で削除します / " +
            $"confirmed the {list.Count} deletions of run {runId}; the job's next run carries them out",
            confirmation);
    }

    /// <summary>
    /// The run id of the newest confirmed list not yet carried out whose list is still there, for a run given no
    /// <c>--confirm-deletes</c>; null when there is none.
    /// </summary>
    public static string? ConfirmedRunId(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (!Directory.Exists(folder))
        {
            return null;
        }

        return Directory.EnumerateFiles(folder, ConfirmedPrefix + "*.json")
            .Select(path => Path.GetFileNameWithoutExtension(path)[ConfirmedPrefix.Length..])
            .Where(runId => ConsoleQueries.IsRunId(runId) && File.Exists(PendingDeletions.PendingPath(folder, runId)))
            .OrderByDescending(runId => runId, StringComparer.Ordinal)
            .FirstOrDefault();
    }

    /// <summary>
    /// After a run given <paramref name="confirmedRunId"/> (from a marker or <c>--confirm-deletes</c>): when the run
    /// completed here (not a dry run, not failed, stopped or still running) and that list has a confirmation marker, the
    /// marker is renamed to <c>applied-deletions-{RUNID}.json</c> and records the run, so no later run applies it again.
    /// Returns true when it marked one.
    /// </summary>
    public static bool MarkAppliedAfterRun(string folder, string? confirmedRunId, RunResult result, bool dryRun)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(result);
        if (confirmedRunId is null || dryRun || !result.CompletedHere || !ConsoleQueries.IsRunId(confirmedRunId) ||
            result.Run.Outcome is not (RunOutcome.Succeeded or RunOutcome.CompletedWithQuarantine or RunOutcome.CompletedWithWarnings))
        {
            return false;
        }

        var marker = ConfirmedPath(folder, confirmedRunId);
        var applied = AppliedPath(folder, confirmedRunId);
        try
        {
            // The rename is the step that counts (atomic); the run's name is added to the renamed file after it.
            File.Move(marker, applied, overwrite: false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // No marker (the list was confirmed with --confirm-deletes only), or it cannot be renamed: a later run then
            // confirms the same list again, which removes nothing more (its removals are closed in the ledger).
            return false;
        }

        try
        {
            var confirmation = JsonSerializer.Deserialize<HeldBackConfirmation>(File.ReadAllText(applied), Json);
            if (confirmation is not null)
            {
                File.WriteAllText(applied, JsonSerializer.Serialize(
                    confirmation with { AppliedByRun = result.Run.RunId, AppliedUtc = result.Run.EndedUtc ?? DateTime.UtcNow }, Json));
            }
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException)
        {
            // The marker was renamed: that alone keeps it from being applied twice.
        }

        return true;
    }

    private static HeldBackConfirmResult Refused(string message) => new(false, message, null);

    private static string Utc(DateTime value) => value.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    private static async Task<HeldBackList?> ReadListAsync(string folder, string runId, int firstRows, CancellationToken cancellationToken)
    {
        var path = PendingDeletions.PendingPath(folder, runId);
        if (!File.Exists(path))
        {
            return null;
        }

        var text = await File.ReadAllTextAsync(path, Encoding.UTF8, cancellationToken);
        var records = Records(text);
        var header = records.Count > 0 ? records[0] : [];
        var mail = header is ["account", "folder", "native_id", ..];
        var rows = new List<HeldBackRow>();
        var count = 0;
        foreach (var cells in records.Skip(1))
        {
            if (cells is [] or [""])
            {
                continue;
            }

            count++;
            if (rows.Count < firstRows)
            {
                rows.Add(mail
                    ? new HeldBackRow(Cell(cells, 2), Cell(cells, 3), Cell(cells, 0), Cell(cells, 1))
                    : new HeldBackRow(Cell(cells, 0), Cell(cells, 1), null, null));
            }
        }

        var (state, confirmation) = ReadMarker(folder, runId);
        return new HeldBackList(
            runId, count, rows, File.GetLastWriteTimeUtc(path), path, mail ? "native_id" : header.Count > 0 ? header[0] : string.Empty, state, confirmation);
    }

    private static (HeldBackState State, HeldBackConfirmation? Confirmation) ReadMarker(string folder, string runId)
    {
        foreach (var (path, state) in new[] { (AppliedPath(folder, runId), HeldBackState.Applied), (ConfirmedPath(folder, runId), HeldBackState.Confirmed) })
        {
            if (!File.Exists(path))
            {
                continue;
            }

            HeldBackConfirmation? confirmation;
            try
            {
                confirmation = JsonSerializer.Deserialize<HeldBackConfirmation>(File.ReadAllText(path), Json);
            }
            catch (JsonException)
            {
                confirmation = null;
            }

            return (state, confirmation ?? new HeldBackConfirmation(runId, 0, "?", File.GetLastWriteTimeUtc(path)));
        }

        return (HeldBackState.Pending, null);
    }

    private static string Cell(List<string> cells, int index) => index < cells.Count ? cells[index] : string.Empty;

    /// <summary>The records of a list (quoted cells may hold commas, quotes and line breaks; neutralised leading characters undone).</summary>
    private static List<List<string>> Records(string text) => Dxmig.Platform.Reconciliation.CsvCells.ReadRecords(text);
}
