using Dxmig.Contracts;
using Dxmig.Platform.JobFiles;

namespace Dxmig.Jobs;

/// <summary>Reads a job file (the parts every job has) and binds it to its kind's checked settings.</summary>
public static class JobLoader
{
    /// <summary>
    /// The bound job, or null when the file or a mapping file it names has errors (all in <paramref name="diagnostics"/>).
    /// Read for <see cref="JobUse.Run"/> (run, plan, validate) every file and secret a run uses must be there; for
    /// <see cref="JobUse.History"/> (status, reconcile) a source that is gone is noted in <see cref="JobFile.Unreachable"/>.
    /// </summary>
    public static IBoundJob? Load(string path, DiagnosticBag diagnostics, Func<string, string?> environment, JobUse use = JobUse.Run)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        var file = JobFileReader.Read(path, JobKinds.Schemas, diagnostics, environment, use);
        if (file is null || !JobKinds.All.TryGetValue(file.Kind, out var kind))
        {
            return null;
        }

        var job = kind.Bind(file, diagnostics);
        return diagnostics.HasErrors ? null : job;
    }

    /// <summary>Reads a job file for running: every problem becomes one <see cref="ConfigurationException"/>.</summary>
    /// <exception cref="ConfigurationException">The job file or a mapping file it names has errors.</exception>
    public static IBoundJob LoadForRun(string path, Func<string, string?> environment) => LoadOrThrow(path, environment, JobUse.Run);

    /// <summary>
    /// Reads a job file to read its history (status, reconcile): a source that is gone is not an error but
    /// <see cref="JobFile.Unreachable"/>; every other problem becomes one <see cref="ConfigurationException"/>.
    /// </summary>
    /// <exception cref="ConfigurationException">The job file or a mapping file it names has errors.</exception>
    public static IBoundJob LoadForHistory(string path, Func<string, string?> environment) => LoadOrThrow(path, environment, JobUse.History);

    private static IBoundJob LoadOrThrow(string path, Func<string, string?> environment, JobUse use)
    {
        var diagnostics = new DiagnosticBag();
        return Load(path, diagnostics, environment, use) ?? throw new ConfigurationException(diagnostics.Render());
    }
}
