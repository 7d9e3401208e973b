using Microsoft.Extensions.Logging;

namespace Dxmig.Platform.Logging;

/// <summary>
/// Loggers handed out before the logging behind them is built: each waits for it at its first use, so the ~30 ms of
/// setting NLog up (its configuration, layouts and file target) runs on another core while a run opens its ledger.
/// </summary>
internal sealed class DeferredLoggerFactory(Task<ILoggerFactory> inner) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) =>
        inner.IsCompletedSuccessfully ? inner.Result.CreateLogger(categoryName) : new DeferredLogger(inner, categoryName);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException("providers are set when the logging is built");

    public void Dispose()
    {
        // The factory behind it is disposed by its owner (DxmigLogging).
    }

    private sealed class DeferredLogger(Task<ILoggerFactory> factory, string categoryName) : ILogger
    {
        private ILogger? logger;

        private ILogger Inner => logger ??= factory.GetAwaiter().GetResult().CreateLogger(categoryName);

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => Inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => Inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Inner.Log(logLevel, eventId, state, exception, formatter);
    }
}
