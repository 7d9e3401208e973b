using Microsoft.Extensions.Logging;
using NLog;
using NLog.Config;
using NLog.Extensions.Logging;
using NLog.Layouts;
using NLog.Targets;

namespace Dxmig.Platform.Logging;

/// <summary>
/// Logging for a dxmig process: a readable console log (standard error, so standard output stays for results) and,
/// when a folder is given, a JSON-lines file per run (<c>{folder}/{job}/{runId}.jsonl</c>) with run id, job and
/// account on every line. Every target sits behind <see cref="MaskingTargetWrapper"/>.
/// </summary>
public sealed class DxmigLogging : IDisposable
{
    private readonly Task<(LogFactory Factory, ILoggerFactory Loggers)> built;

    private DxmigLogging(Task<(LogFactory Factory, ILoggerFactory Loggers)> built, ILoggerFactory loggers)
    {
        this.built = built;
        Loggers = loggers;
    }

    public ILoggerFactory Loggers { get; }

    /// <summary>
    /// Sets logging up on another thread and returns at once: the loggers it hands out wait for it at their first
    /// use. The folder is created here, so a folder that cannot be made still fails at once.
    /// </summary>
    /// <exception cref="IOException">The folder for the JSON files cannot be created.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder for the JSON files cannot be created.</exception>
    public static DxmigLogging StartCreate(Microsoft.Extensions.Logging.LogLevel? consoleLevel, string? jsonFolder)
    {
        if (jsonFolder is not null)
        {
            Directory.CreateDirectory(jsonFolder);
        }

        var built = Task.Run(() => Build(consoleLevel, jsonFolder, null));
        return new DxmigLogging(built, new DeferredLoggerFactory(built.ContinueWith(t => t.Result.Loggers, TaskScheduler.Default)));
    }

    /// <summary>Sets logging up.</summary>
    /// <param name="consoleLevel">Lowest level shown on the console; null for no console log.</param>
    /// <param name="jsonFolder">Folder for the per-run JSON files; null for none.</param>
    /// <param name="extraTarget">An additional target (tests), also masked.</param>
    public static DxmigLogging Create(Microsoft.Extensions.Logging.LogLevel? consoleLevel, string? jsonFolder, Target? extraTarget = null)
    {
        var built = Build(consoleLevel, jsonFolder, extraTarget);
        return new DxmigLogging(Task.FromResult(built), built.Loggers);
    }

    /// <summary>
    /// Builds a throw-away logging whose only target writes nowhere and logs one scoped line through it, so that the
    /// run's own logging, built once the job file says where its files go, finds NLog's code ready.
    /// </summary>
    public static void WarmUp()
    {
        var nowhere = new NLog.Targets.NullTarget("warm-up") { FormatMessage = true, Layout = JsonLines() };
        using var logging = Create(consoleLevel: null, jsonFolder: null, extraTarget: nowhere);
        var logger = logging.Loggers.CreateLogger("dxmig.warm-up");
        using (logger.BeginScope(new Dictionary<string, object?> { ["job"] = "warm-up", ["runId"] = "warm-up" }))
        {
            logger.LogDebug("warm-up {Value}", 1);
        }
    }

    private static (LogFactory Factory, ILoggerFactory Loggers) Build(Microsoft.Extensions.Logging.LogLevel? consoleLevel, string? jsonFolder, Target? extraTarget)
    {
        var factory = new LogFactory();
        var config = new LoggingConfiguration(factory);
        if (consoleLevel is { } level)
        {
            var console = new ConsoleTarget("console")
            {
                StdErr = true,
                Layout = "${date:format=HH\\:mm\\:ss} ${level:uppercase=true:padding=-5} " +
                         "${when:when='${scopeproperty:account}'!='':inner=[${scopeproperty:account}] }${message}" +
                         "${onexception:inner=${newline}${exception:format=tostring}}",
            };
            config.AddRule(ToNLog(level), NLog.LogLevel.Fatal, new MaskingTargetWrapper("console-masked", console));
        }

        if (jsonFolder is not null)
        {
            Directory.CreateDirectory(jsonFolder);
            var json = new FileTarget("json")
            {
                FileName = Path.Combine(jsonFolder, "${scopeproperty:job:whenEmpty=dxmig}", "${scopeproperty:runId:whenEmpty=session}.jsonl"),
                Encoding = System.Text.Encoding.UTF8,
                WriteBom = false,
                KeepFileOpen = true,
                Layout = JsonLines(),
            };
            config.AddRule(NLog.LogLevel.Debug, NLog.LogLevel.Fatal, new MaskingTargetWrapper("json-masked", json));
        }

        if (extraTarget is not null)
        {
            config.AddRule(NLog.LogLevel.Trace, NLog.LogLevel.Fatal, new MaskingTargetWrapper("extra-masked", extraTarget));
        }

        factory.Configuration = config;
        var provider = new NLogLoggerProvider(
            new NLogProviderOptions { CaptureMessageTemplates = true, CaptureMessageProperties = true, IncludeScopes = true },
            factory);
        // The factory itself, without LoggerFactory.Create's dependency-injection container (built only to make it).
        var loggers = new LoggerFactory([provider], new LoggerFilterOptions { MinLevel = Microsoft.Extensions.Logging.LogLevel.Debug });
        return (factory, loggers);
    }

    /// <summary>The JSON-lines layout of the per-run file.</summary>
    public static JsonLayout JsonLines() => new()
    {
        Attributes =
        {
            new JsonAttribute("time", "${date:universalTime=true:format=o}"),
            new JsonAttribute("level", "${level:lowercase=true}"),
            new JsonAttribute("runId", "${scopeproperty:runId}"),
            new JsonAttribute("job", "${scopeproperty:job}"),
            new JsonAttribute("account", "${scopeproperty:account}"),
            new JsonAttribute("logger", "${logger}"),
            new JsonAttribute("message", "${message}"),
            new JsonAttribute("exception", "${exception:format=tostring}"),
        },
        IncludeEventProperties = true,
        ExcludeEmptyProperties = true,
    };

    public void Dispose()
    {
        var (factory, loggers) = built.GetAwaiter().GetResult();
        loggers.Dispose();
        factory.Flush();
        factory.Dispose();
    }

    private static NLog.LogLevel ToNLog(Microsoft.Extensions.Logging.LogLevel level) => level switch
    {
        Microsoft.Extensions.Logging.LogLevel.Trace => NLog.LogLevel.Trace,
        Microsoft.Extensions.Logging.LogLevel.Debug => NLog.LogLevel.Debug,
        Microsoft.Extensions.Logging.LogLevel.Information => NLog.LogLevel.Info,
        Microsoft.Extensions.Logging.LogLevel.Warning => NLog.LogLevel.Warn,
        Microsoft.Extensions.Logging.LogLevel.Error => NLog.LogLevel.Error,
        _ => NLog.LogLevel.Fatal,
    };
}
