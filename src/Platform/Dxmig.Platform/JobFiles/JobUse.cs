namespace Dxmig.Platform.JobFiles;

/// <summary>
/// What a job file is read for, which decides what must be there: <see cref="Run"/> (run, plan, validate, serve)
/// checks everything a run uses: the source's files and folders, and every secret a setting references;
/// <see cref="History"/> (status, reconcile) needs only what reads the ledger and the target, so a finished job's
/// history can be read after its export has moved: what the source cannot reach is kept in
/// <see cref="JobFile.Unreachable"/> instead of failing the file.
/// </summary>
public enum JobUse
{
    Run,
    History,
}
