using System.CommandLine;
using Dxmig.Platform.Pipeline;

namespace Dxmig.Cli.Console;

/// <summary>
/// The help every command prints: commands with their arguments as they are typed (optional ones in brackets,
/// <c>status [&lt;job&gt;]</c>), and the exit codes and what each means.
/// </summary>
internal static class CliHelp
{
    /// <summary>The exit codes every command keeps to, Japanese then English, as help and the README list them.</summary>
    public static readonly IReadOnlyList<(int Code, string Japanese, string English)> ExitCodeMeanings =
    [
        (ExitCodes.Success, "成功", "succeeded"),
        (ExitCodes.Quarantined, "要確認: 終わったが、隔離した項目か警告があります (報告を確認)", "needs attention: finished, with quarantined items or warnings (read the report)"),
        (ExitCodes.Failed, "失敗: 実行できないか途中で止まった、またはコマンドの書き方の誤り", "failed: could not run or stopped, or the command line is wrong"),
        (ExitCodes.WindowClosed, "実行時間帯の外: 問題なし、次の時間帯に再開 (run)", "outside the run window: nothing wrong, the next window resumes (run)"),
    ];

    /// <summary>
    /// The library's help for <paramref name="command"/> (<paramref name="help"/>) with its list of commands as they are
    /// typed (<c>status [&lt;job&gt;]</c>: the library shows an optional argument as required) and the exit codes at the end.
    /// </summary>
    public static string Complete(string help, Command command, int? width)
    {
        ArgumentNullException.ThrowIfNull(help);
        ArgumentNullException.ThrowIfNull(command);
        var lines = help.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n').ToList();
        var at = lines.FindIndex(l => l.TrimEnd().EndsWith("Commands:", StringComparison.Ordinal) && !l.StartsWith(' '));
        if (at >= 0)
        {
            var end = lines.FindIndex(at + 1, l => l.Trim().Length == 0);
            end = end < 0 ? lines.Count : end;
            lines.RemoveRange(at + 1, end - at - 1);
            lines.InsertRange(at + 1, CommandRows(command, width));
        }

        var text = new StringWriter();
        foreach (var line in lines)
        {
            text.WriteLine(line.TrimEnd());
        }

        text.WriteLine();
        WriteExitCodes(text);
        return text.ToString();
    }

    /// <summary>The exit codes, as the last section of every command's help.</summary>
    public static void WriteExitCodes(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine("終了コード / Exit codes:");
        foreach (var (code, japanese, english) in ExitCodeMeanings)
        {
            output.WriteLine($"  {code}  {japanese}");
            output.WriteLine($"     {english}");
        }
    }

    private static List<string> CommandRows(Command command, int? width)
    {
        var rows = command.Subcommands.Where(c => !c.Hidden)
            .Select(c => (Label: $"{c.Name} {UsageErrors.Arguments(c)}".TrimEnd(), Description: c.Description ?? string.Empty))
            .ToList();
        var column = rows.Select(r => DisplayWidth.Of(r.Label)).DefaultIfEmpty(0).Max() + 4;
        var lines = new List<string>();
        foreach (var (label, description) in rows)
        {
            var pad = new string(' ', column - 2 - DisplayWidth.Of(label));
            var wrapped = width is { } w && w - column >= 20 ? DisplayWidth.Wrap(description, w - column) : [description];
            lines.Add($"  {label}{pad}{wrapped[0]}".TrimEnd());
            lines.AddRange(wrapped.Skip(1).Select(l => new string(' ', column) + l));
        }

        return lines;
    }
}
