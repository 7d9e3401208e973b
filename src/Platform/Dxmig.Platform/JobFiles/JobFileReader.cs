using System.Text.RegularExpressions;
using Dxmig.Contracts;
using YamlDotNet.RepresentationModel;

namespace Dxmig.Platform.JobFiles;

/// <summary>
/// Reads a job file into a <see cref="JobFile"/> and reports every problem with file:line: unknown keys, missing or
/// bad values, a bad cron expression, missing mapping files, unset environment variables, and any secret written
/// inline (refused: secrets are referenced with <c>*-env</c> or <c>*-file</c>).
/// </summary>
public static partial class JobFileReader
{
    private static readonly string[] TopLevelKeys =
        ["name", "kind", "description", "schedule", "source", "target", "mappings", "options", "ledger", "logging", "alerts", "retention", "plan"];

    private static readonly HashSet<string> SecretKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        "password", "passwd", "pwd", "pass", "secret", "client-secret", "token", "access-token", "refresh-token",
        "api-key", "apikey", "private-key", "passphrase", "credential", "credentials", "connection-password",
    };

    /// <summary>
    /// Reads the parts every job has even when some have errors (each in <paramref name="diagnostics"/>), so that the
    /// job's kind can still check its own sections and every problem of the file is reported at once; null only when
    /// the name, the kind or the source and target sections cannot be read at all. <c>use</c> says what the file is read
    /// for (<see cref="JobUse"/>): what only a run needs (source files, secrets) is checked only for a run.
    /// </summary>
    public static JobFile? Read(
        string path, IReadOnlyDictionary<string, JobKindSchema> kinds, DiagnosticBag diagnostics, Func<string, string?> environment, JobUse use = JobUse.Run)
    {
        ArgumentNullException.ThrowIfNull(kinds);
        ArgumentNullException.ThrowIfNull(diagnostics);
        var display = DisplayPath.Of(path);
        if (!File.Exists(path))
        {
            diagnostics.Error(new SourcePosition(display, 0, 0), "ジョブファイルがありません", "the job file does not exist");
            return null;
        }

        if (YamlFile.Load(path, display, diagnostics) is not { } root)
        {
            return null;
        }

        FindInlineSecrets(display, root, diagnostics);
        var top = new JobSection(display, root, diagnostics, environment, string.Empty, use);
        top.CheckKeys(TopLevelKeys);

        var name = top.Value("name", required: true);
        if (name is not null && !JobNamePattern().IsMatch(name))
        {
            diagnostics.Error(top.PositionOf("name"), "ジョブ名は英数字と - _ . だけで 1〜100 文字です", "a job name is 1 to 100 letters, digits, '-', '_' or '.'");
        }

        var kindName = top.Value("kind", required: true);
        JobKindSchema? kind = null;
        if (kindName is not null && !kinds.TryGetValue(kindName, out kind))
        {
            var list = string.Join(", ", kinds.Keys.Order(StringComparer.Ordinal));
            diagnostics.Error(top.PositionOf("kind"), $"不明なジョブ種別 '{kindName}' です。使える種別: {list}", $"unknown job kind '{kindName}'; known kinds: {list}");
        }

        var schedule = ReadSchedule(top.Section("schedule"));
        var source = top.Section("source", required: true);
        var target = top.Section("target", required: true);
        var mappings = ReadMappings(top, kind, Path.GetDirectoryName(Path.GetFullPath(path))!, environment);
        var home = DxmigHome.Resolve(environment);

        string? ledger;
        SecretReference? ledgerPassword = null;
        if (top.IsSection("ledger") && top.Section("ledger") is { } ledgerSection)
        {
            ledgerSection.CheckKeys("location", "password-env", "password-file", "tls");
            ledger = ledgerSection.Value("location", required: true);
            ledgerPassword = ledgerSection.Secret("password");
            if (ledger is not null && ledgerSection.Section("tls") is { } tls)
            {
                ledger = Storage.StoreTlsSettings.Read(tls, ledger);
            }
        }
        else
        {
            ledger = top.Value("ledger");
        }

        ledger = string.IsNullOrWhiteSpace(ledger)
            ? Path.Combine(home, "ledger.db")
            : StoreIsPath(ledger) ? top.ResolvePath(ledger) : ledger;
        CheckStore(top, ledger, diagnostics);

        var logFolder = Path.Combine(home, "logs");
        if (top.Section("logging") is { } logging)
        {
            logging.CheckKeys("folder");
            if (logging.Value("folder") is { Length: > 0 } folder)
            {
                logFolder = logging.ResolvePath(folder);
            }
        }

        var retention = Retention.RetentionSettings.Read(top.Section("retention"));
        var alerts = top.Section("alerts") is { } alertSection ? Alerts.AlertSettings.Read(alertSection) : null;

        int? parallelism = null, batchSize = null, channelCapacity = null;
        var reconcileAfterRun = true;
        if (top.Section("options") is { } options)
        {
            options.CheckKeys("parallelism", "batch-size", "channel-capacity", "reconcile");
            parallelism = options.Number("parallelism", 1, 256);
            batchSize = options.Number("batch-size", 1, 10_000);
            channelCapacity = options.Number("channel-capacity", 1, 100_000);
            reconcileAfterRun = options.Choice("reconcile", ["after-run", "off"], "after-run") != "off";
        }

        if (name is null || kindName is null || source is null || target is null || kind is null)
        {
            return null;
        }

        var job = new JobFile
        {
            FilePath = path,
            Name = name,
            Kind = kindName,
            Description = top.Value("description"),
            Schedule = schedule,
            Source = source,
            Target = target,
            Mappings = mappings,
            Ledger = ledger,
            LedgerPassword = ledgerPassword,
            LogFolder = logFolder,
            Alerts = alerts,
            Retention = retention,
            Plan = top.Section("plan"),
            Parallelism = parallelism ?? Pipeline.RunSettings.DefaultParallelism,
            BatchSize = batchSize ?? Pipeline.RunSettings.DefaultBatchSize,
            ChannelCapacity = channelCapacity ?? Pipeline.RunSettings.DefaultChannelCapacity,
            ReconcileAfterRun = reconcileAfterRun,
            Environment = environment,
            Use = use,
        };
        return job;
    }

    private static bool StoreIsPath(string value) => !Storage.StoreLocation.LooksLikePostgres(value);

    private static void CheckStore(JobSection top, string ledger, DiagnosticBag diagnostics)
    {
        try
        {
            _ = Storage.StoreLocation.Parse(ledger, Directory.GetCurrentDirectory());
        }
        catch (Exception ex) when (ex is ConfigurationException or ArgumentException or FormatException or UriFormatException)
        {
            diagnostics.Error(top.PositionOf("ledger"), $"台帳の保存先が不正です: {ex.Message}", $"the ledger location is not valid: {ex.Message}");
        }
    }

    private static Dictionary<string, MappingReference> ReadMappings(JobSection top, JobKindSchema? kind, string jobFolder, Func<string, string?> environment)
    {
        var result = new Dictionary<string, MappingReference>(StringComparer.Ordinal);
        var section = top.Section("mappings");
        var known = kind?.MappingNames ?? new Dictionary<string, bool>();
        if (section is not null)
        {
            if (kind is not null)
            {
                section.CheckKeys([.. known.Keys]);
            }

            foreach (var key in section.Keys)
            {
                if (kind is not null && !known.ContainsKey(key))
                {
                    continue;
                }

                var value = section.Value(key, required: true);
                if (value is null)
                {
                    continue;
                }

                // Relative to the job's folder, then the mapping search path (MappingSearchPath), so a copied example works.
                var (full, tried) = MappingSearchPath.Resolve(value, jobFolder, environment);
                var position = section.PositionOf(key);
                if (full is null)
                {
                    var places = MappingSearchPath.Describe(tried);
                    top.Diagnostics.Error(position, $"マッピングファイル {value} がありません (探した場所: {places})", $"mapping file {value} does not exist (looked in: {places})");
                    continue;
                }

                result[key] = new MappingReference(key, full, position);
            }
        }

        foreach (var (name, required) in known)
        {
            if (required && !result.ContainsKey(name) && section?.Has(name) != true)
            {
                top.Diagnostics.Error(section?.Position ?? top.Position, $"マッピング 'mappings.{name}' が必要です", $"mapping 'mappings.{name}' is required");
            }
        }

        return result;
    }

    private static ScheduleSpec? ReadSchedule(JobSection? section)
    {
        if (section is null)
        {
            return null;
        }

        section.CheckKeys("cron", "calendar", "window", "time-zone");
        var cron = section.Value("cron");
        if (cron is not null && !CronAdvice.IsValid(cron))
        {
            var (japanese, english) = CronAdvice.Explain(cron);
            section.Diagnostics.Error(
                section.PositionOf("cron"),
                $"cron 式 '{cron}' が不正です: {japanese}",
                $"cron expression '{cron}' is not valid: {english}");
        }

        var calendar = section.Choice("calendar", ScheduleSpec.Calendars, "every-day") ?? "every-day";
        var zone = section.Value("time-zone") ?? ScheduleSpec.DefaultTimeZone;
        try
        {
            _ = TimeZoneInfo.FindSystemTimeZoneById(zone);
        }
        catch (TimeZoneNotFoundException)
        {
            section.Diagnostics.Error(section.PositionOf("time-zone"), $"タイムゾーン '{zone}' が見つかりません", $"time zone '{zone}' is not known");
        }

        TimeOnly? start = null, end = null;
        if (section.Value("window") is { } window)
        {
            var match = WindowPattern().Match(window);
            if (match.Success &&
                TimeOnly.TryParse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture, out var s) &&
                TimeOnly.TryParse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture, out var e))
            {
                start = s;
                end = e;
            }
            else
            {
                section.Diagnostics.Error(section.PositionOf("window"), $"実行時間帯 '{window}' は \"20:00-07:00\" の形で書いてください", $"run window '{window}' must look like \"20:00-07:00\"");
            }
        }

        return new ScheduleSpec(cron, calendar, start, end, zone);
    }

    private static void FindInlineSecrets(string file, YamlNode node, DiagnosticBag diagnostics)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                foreach (var (keyNode, value) in mapping.Children)
                {
                    var key = ((keyNode as YamlScalarNode)?.Value ?? string.Empty).Replace('_', '-');
                    if (IsSecretKey(key) && value is YamlScalarNode)
                    {
                        diagnostics.Error(
                            JobSection.At(file, keyNode),
                            $"'{key}' に秘密情報を直接書くことはできません。'{key}-env: 環境変数名' か '{key}-file: ファイル' で参照してください",
                            $"'{key}' may not hold a secret inline; reference it with '{key}-env: VARIABLE' or '{key}-file: PATH'");
                    }
                    else if (value is YamlScalarNode scalar && InlinePasswordPattern().IsMatch(scalar.Value ?? string.Empty))
                    {
                        diagnostics.Error(
                            JobSection.At(file, value),
                            "接続文字列にパスワードを直接書くことはできません。password-env か password-file で参照してください",
                            "a connection string may not carry a password inline; reference it with password-env or password-file");
                    }

                    FindInlineSecrets(file, value, diagnostics);
                }

                break;
            case YamlSequenceNode sequence:
                foreach (var child in sequence.Children)
                {
                    FindInlineSecrets(file, child, diagnostics);
                }

                break;
        }
    }

    /// <summary>A key that would hold a secret itself: password, admin-password, client-secret, api-key… (not its -env/-file reference).</summary>
    private static bool IsSecretKey(string key)
    {
        var lower = key.ToLowerInvariant();
        if (lower.EndsWith("-env", StringComparison.Ordinal) || lower.EndsWith("-file", StringComparison.Ordinal))
        {
            return false;
        }

        return SecretKeys.Contains(lower) || SecretKeys.Any(s => lower.EndsWith("-" + s, StringComparison.Ordinal));
    }

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]
    private static partial Regex JobNamePattern();

    [GeneratedRegex(@"^\s*(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})\s*$")]
    private static partial Regex WindowPattern();

    [GeneratedRegex(@"(?i)(^|;)\s*(password|pwd)\s*=\s*[^;\s]|://[^/@\s:]+:[^/@\s]+@")]
    private static partial Regex InlinePasswordPattern();
}

/// <summary>What the job-file reader needs to know of a job kind: its name, and its mapping names (true: required).</summary>
public sealed record JobKindSchema(string Name, IReadOnlyDictionary<string, bool> MappingNames);
