using System.Collections.Concurrent;
using Dxmig.Cli.Serve;
using Dxmig.Platform.Ledger;
using Microsoft.Extensions.Logging;

namespace Dxmig.Cli.Tests.Serve;

/// <summary>A runner that records what the scheduler asked it to run, and can answer as a busy lease would.</summary>
internal sealed class RecordingRunner : IServeRunner
{
    public ConcurrentQueue<(string Path, CancellationToken Token)> Calls { get; } = new();

    public ConcurrentQueue<bool> JoinOnly { get; } = new();

    public bool Busy { get; set; }

    /// <summary>Called during the run with its stop token (what a test wants to see while the run goes on).</summary>
    public Action<CancellationToken>? During { get; set; }

    public ConcurrentQueue<bool> IgnoreWindow { get; } = new();

    public Task<int> RunAsync(string jobPath, bool joinOnly, bool ignoreWindow, CancellationToken stopToken)
    {
        IgnoreWindow.Enqueue(ignoreWindow);
        Calls.Enqueue((jobPath, stopToken));
        JoinOnly.Enqueue(joinOnly);
        During?.Invoke(stopToken);
        return Busy ? throw new JobBusyException("job test-addressbook is being run by process 1 on other (run r1)") : Task.FromResult(0);
    }
}

/// <summary>Every log line, as text, for assertions on what an operator reads.</summary>
internal sealed class ListLogger : ILoggerProvider
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public ILoggerFactory Factory() => LoggerFactory.Create(b => b.AddProvider(this).SetMinimumLevel(LogLevel.Debug));

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(ListLogger owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Lines.Enqueue($"{logLevel}: {formatter(state, exception)}");
    }
}
