using Spectre.Console;

namespace Dxmig.Cli.Console;

/// <summary>Where a command writes: results to standard output, diagnostics and logs to standard error.</summary>
public sealed class CliIo
{
    /// <summary>Narrower than this and tables are laid out for this width anyway.</summary>
    public const int MinimumWidth = 40;

    /// <summary>Output, errors and environment of one command; <paramref name="terminalWidth"/> is the terminal's width when standard output is a terminal, null when it is piped or a file.</summary>
    public CliIo(TextWriter output, TextWriter error, bool interactive, Func<string, string?> environment, TimeProvider time, int? terminalWidth = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        Output = output;
        Error = error;
        Interactive = interactive;
        Environment = environment;
        Time = time;
        Width = int.TryParse(environment("COLUMNS"), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var columns) && columns > 0
            ? Math.Max(columns, MinimumWidth)
            : terminalWidth is > 0 ? Math.Max(terminalWidth.Value, MinimumWidth) : null;
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

        if (Width is { } width)
        {
            Console.Profile.Width = width;
        }
    }

    /// <summary>
    /// The columns output is laid out for: <c>COLUMNS</c> when set, else the terminal's width; null when standard output
    /// is piped or a file (then tables are one record per line, unpadded, and lines are not wrapped).
    /// </summary>
    public int? Width { get; }

    public TextWriter Output { get; }

    public TextWriter Error { get; }

    /// <summary>True on a terminal: progress bars instead of plain lines.</summary>
    public bool Interactive { get; }

    public Func<string, string?> Environment { get; }

    public TimeProvider Time { get; }

    public IAnsiConsole Console { get; }

    /// <summary>
    /// A line of text: on a terminal wrapped at word boundaries to <see cref="Width"/> (continuation lines indented like
    /// the first, plus <paramref name="hang"/>); piped, exactly one line. <paramref name="style"/> colours it on a colour terminal.
    /// </summary>
    public void Line(string text, string? style = null, int hang = 2)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (Width is not { } width)
        {
            Styled([new TextCell(text.TrimEnd(), style)]);
            return;
        }

        var indent = text.Length - text.TrimStart(' ').Length;
        var wrapped = DisplayWidth.Wrap(text.Trim(), width - indent, hang);
        foreach (var line in wrapped)
        {
            Styled([new TextCell(new string(' ', indent) + line, style)]);
        }
    }

    /// <summary>One line of styled segments: colours through the terminal when it has them, plain text otherwise.</summary>
    public void Styled(IReadOnlyList<TextCell> segments)
    {
        if (Interactive)
        {
            Console.MarkupLine(StyledLine.Markup(segments).TrimEnd());
        }
        else
        {
            Output.WriteLine(StyledLine.Plain(segments));
        }
    }

    /// <summary>
    /// The process's own streams; progress bars only when standard output is a terminal and DXMIG_PLAIN is unset; the
    /// terminal's width only when standard output is a terminal.
    /// </summary>
    public static CliIo ForProcess() => new(
        System.Console.Out,
        System.Console.Error,
        !System.Console.IsOutputRedirected && string.IsNullOrEmpty(System.Environment.GetEnvironmentVariable("DXMIG_PLAIN")),
        System.Environment.GetEnvironmentVariable,
        TimeProvider.System,
        System.Console.IsOutputRedirected ? null : TerminalWidth());

    private static int? TerminalWidth()
    {
        try
        {
            return System.Console.WindowWidth;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
