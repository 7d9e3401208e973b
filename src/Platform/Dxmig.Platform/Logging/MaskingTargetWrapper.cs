using NLog;
using NLog.Common;
using NLog.Targets;
using NLog.Targets.Wrappers;

namespace Dxmig.Platform.Logging;

/// <summary>
/// Wraps every log target: the message, each property and the exception text pass through
/// <see cref="SecretMasker"/> before any layout sees them, so no target can write a secret.
/// </summary>
[Target("Masking", IsWrapper = true)]
public sealed class MaskingTargetWrapper : WrapperTargetBase
{
    public MaskingTargetWrapper()
    {
    }

    public MaskingTargetWrapper(string name, Target wrappedTarget)
    {
        Name = name;
        WrappedTarget = wrappedTarget;
    }

    protected override void Write(AsyncLogEventInfo logEvent)
    {
        WrappedTarget?.WriteAsyncLogEvent(new AsyncLogEventInfo(MaskEvent(logEvent.LogEvent), logEvent.Continuation));
    }

    internal static LogEventInfo MaskEvent(LogEventInfo original)
    {
        var masked = new LogEventInfo(original.Level, original.LoggerName, SecretMasker.Apply(original.FormattedMessage))
        {
            TimeStamp = original.TimeStamp,
            Exception = original.Exception is null ? null : new MaskedException(original.Exception),
        };
        if (original.HasProperties)
        {
            foreach (var (key, value) in original.Properties)
            {
                masked.Properties[key] = value switch
                {
                    null => null,
                    string s => SecretMasker.Apply(s),
                    int or long or double or decimal or bool or DateTime or DateTimeOffset or TimeSpan or Guid => value,
                    _ => SecretMasker.Apply(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)),
                };
            }
        }

        return masked;
    }
}
