using Dxmig.Contracts;
using Dxmig.Extractors.Csv;
using Dxmig.Platform.JobFiles;

namespace Dxmig.Jobs.Common;

/// <summary>The <c>source:</c> and <c>target.type</c> of a job that reads one CESS CSV export, checked in one place.</summary>
public static class CsvJobSections
{
    /// <summary>The export (file, account, encoding name); a missing or unknown value is reported with its position.</summary>
    public static (string? File, string Account, string? Encoding) Source(JobFile job, string sourceType, string defaultAccount, DiagnosticBag diagnostics)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(diagnostics);
        var source = job.Source;
        source.CheckKeys("type", "file", "encoding", "account");
        source.Choice("type", [sourceType]);
        if (!source.Has("type"))
        {
            diagnostics.Error(source.Position, $"'source.type' がありません ({sourceType})", $"'source.type' is missing ({sourceType})");
        }

        var encodingName = source.Choice("encoding", CsvEncoding.Names, "auto");
        var account = source.Value("account") ?? defaultAccount;
        var file = source.Value("file", required: true) is { } path ? source.ResolvePath(path) : null;
        if (file is not null && !File.Exists(file))
        {
            source.SourceMissing(source.PositionOf("file"), $"ファイル {file} がありません", $"file {file} does not exist");
        }

        return (file, account, encodingName);
    }

    /// <summary>The target type, one of the two given.</summary>
    public static string? TargetType(JobFile job, string first, string second, DiagnosticBag diagnostics)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(diagnostics);
        var target = job.Target;
        var type = target.Choice("type", [first, second]);
        if (!target.Has("type"))
        {
            diagnostics.Error(target.Position, $"'target.type' がありません ({first} か {second})", $"'target.type' is missing ({first} or {second})");
        }

        return type;
    }
}
