using System.Collections.Concurrent;
using Dxmig.Contracts;
using Dxmig.Jobs;
using Dxmig.Platform.JobFiles;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Scheduling;

namespace Dxmig.Web.Data;

/// <summary>A job file of the console's folder: read for its history (a moved export does not hide it), or why not.</summary>
internal sealed record ConsoleJob(string Name, string Path, JobFile? File, string? Problem)
{
    public string Kind => File?.Kind ?? "?";
}

/// <summary>The job files the scheduler host runs and their ledgers (opened once, kept for the console's life).</summary>
internal sealed class ConsoleData(WebConsoleSettings settings) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Task<JobLedger>> ledgers = new(StringComparer.Ordinal);
    private volatile JobList? jobs;

    public WebConsoleSettings Settings => settings;

    /// <summary>
    /// Every <c>*.yaml</c> of the jobs folder, by name. Read again only when a file is added, removed or written (the
    /// live view asks every few seconds; parsing and binding every job file each time was work on the run's core).
    /// </summary>
    public IReadOnlyList<ConsoleJob> Jobs()
    {
        if (!Directory.Exists(settings.JobsDirectory))
        {
            return [];
        }

        var files = Directory.EnumerateFiles(settings.JobsDirectory, "*.yaml").Order(StringComparer.Ordinal)
            .Select(path => new FileInfo(path)).Select(f => (f.FullName, f.LastWriteTimeUtc, f.Length)).ToList();
        var cached = jobs;
        if (cached is not null && cached.Files.SequenceEqual(files))
        {
            return cached.Jobs;
        }

        var read = new List<ConsoleJob>();
        foreach (var (path, _, _) in files)
        {
            var diagnostics = new DiagnosticBag();
            var bound = JobLoader.Load(path, diagnostics, settings.Environment, JobUse.History);
            read.Add(bound?.File is { } file && !diagnostics.HasErrors
                ? new ConsoleJob(file.Name, path, file, null)
                : new ConsoleJob(System.IO.Path.GetFileNameWithoutExtension(path), path, null, Dxmig.Platform.Logging.SecretMasker.Apply(diagnostics.Render())));
        }

        jobs = new JobList(files, read);
        return read;
    }

    public ConsoleJob? Find(string name) => Jobs().FirstOrDefault(j => string.Equals(j.Name, name, StringComparison.Ordinal));

    /// <summary>The job's ledger (null when its ledger file does not exist yet: no runs).</summary>
    public async Task<JobLedger?> LedgerAsync(JobFile job, CancellationToken cancellationToken)
    {
        var location = job.LedgerLocation();
        if (location.Provider == Dxmig.Platform.Storage.StoreProvider.Sqlite && !System.IO.File.Exists(new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(location.ConnectionString).DataSource))
        {
            return null;
        }

        var key = location.ConnectionString;
        var opening = ledgers.GetOrAdd(key, _ => JobLedger.OpenAsync(location, settings.Time, CancellationToken.None));
        try
        {
            return await opening.WaitAsync(cancellationToken);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            ledgers.TryRemove(key, out _);
            throw;
        }
    }

    /// <summary>The next fire of a scheduled job with the window and calendar applied, and the skipped fires before it.</summary>
    public (PlannedFire? Next, IReadOnlyList<PlannedFire> Skipped, ScheduleGate? Gate) Upcoming(JobFile job)
    {
        if (job.Schedule is not { } schedule)
        {
            return (null, [], null);
        }

        var gate = new ScheduleGate(schedule, settings.ClosedDays);
        var now = settings.Time.GetUtcNow();
        var plan = gate.Upcoming(now);
        var next = plan.FirstOrDefault(p => p.Runs);

        // The fires of the next two weeks that will not run (closed days, holidays), with why: the gate's plan stops at
        // the next fire that runs, so it is asked again from there.
        var horizon = now.AddDays(14);
        var fires = new List<PlannedFire>(plan);
        for (var guard = 0; guard < 60 && fires.Count > 0 && fires[^1].At < horizon; guard++)
        {
            var more = gate.Upcoming(fires[^1].At, maxFires: 200);
            if (more.Count == 0)
            {
                break;
            }

            fires.AddRange(more);
        }

        var skipped = fires.Where(p => !p.Runs && p.At <= horizon)
            .DistinctBy(p => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(p.At, gate.Zone).DateTime)).Take(7).ToList();
        return (next, skipped, gate);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var opening in ledgers.Values)
        {
            if (opening.IsCompletedSuccessfully)
            {
                await opening.Result.DisposeAsync();
            }
        }
    }
}

/// <summary>The job files as last read (path, write time, length) and what they held.</summary>
internal sealed record JobList(IReadOnlyList<(string Path, DateTime WrittenUtc, long Length)> Files, IReadOnlyList<ConsoleJob> Jobs);
