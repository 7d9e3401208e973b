using Spectre.Console;

namespace Dxmig.Cli.Console;

/// <summary>Where a command writes: results to standard output, diagnostics and logs to standard error.</summary>
public sealed class CliIo
{
    public CliIo(TextWriter output, TextWriter error, bool interactive, Func<string, string?> environment, TimeProvider time)
    {
        Output = output;
        Error = error;
        Interactive = interactive;
        Environment = environment;
        Time = time;
        Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = interactive ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!interactive)
        {
            Console.Profile.Width = 240;
        }
    }

    public TextWriter Output { get; }

    public TextWriter Error { get; }

    /// <summary>True on a terminal: progress bars instead of plain lines.</summary>
    public bool Interactive { get; }

    public Func<string, string?> Environment { get; }

    public TimeProvider Time { get; }

    public IAnsiConsole Console { get; }

    /// <summary>The process's own streams; progress bars only when standard output is a terminal and DXMIG_PLAIN is unset.</summary>
    public static CliIo ForProcess() => new(
        System.Console.Out,
        System.Console.Error,
        !System.Console.IsOutputRedirected && string.IsNullOrEmpty(System.Environment.GetEnvironmentVariable("DXMIG_PLAIN")),
        System.Environment.GetEnvironmentVariable,
        TimeProvider.System);
}
