using System.Text.RegularExpressions;
using Dxmig.Cli.Console;
using Dxmig.Platform.Pipeline;

namespace Dxmig.Cli.Tests;

/// <summary>
/// What <c>run</c> and <c>status</c> print on a terminal of 80 and 100 columns (<c>COLUMNS</c>) and piped: tables that
/// fit, names and header words whole; piped, one record per line without padding.
/// </summary>
public sealed partial class TerminalOutputTests : IDisposable
{
    private static readonly string[] Accounts = ["user000", "user001", "user002"];
    private readonly CliHarness cli = new();

    public TerminalOutputTests() => cli.Samples(accounts: Accounts.Length);

    public void Dispose() => cli.Dispose();

    [GeneratedRegex(@"\s$")]
    private static partial Regex TrailingSpace();

    private static List<string> Lines(string output) => [.. output.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n')];

    [Theory]
    [InlineData(80)]
    [InlineData(100)]
    public async Task RunAndStatus_OnATerminal_FitTheWidthWithNamesAndHeadersWhole(int width)
    {
        cli.Environment["COLUMNS"] = width.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var job = cli.JobFile();

        var run = await cli.RunAsync("run", job);
        var status = await cli.RunAsync("status", job);

        run.ExitCode.Should().Be(ExitCodes.Quarantined, run.Error);
        status.ExitCode.Should().Be(ExitCodes.Success, status.Error);
        foreach (var output in new[] { run.Output, status.Output })
        {
            var lines = Lines(output);
            lines.Should().OnlyContain(l => DisplayWidth.Of(l) <= width || !l.Contains(' ', StringComparison.Ordinal),
                $"every line fits {width} columns, but for a path alone on its line (never split):\n{output}");
            lines.Should().NotContain(l => TrailingSpace().IsMatch(l));
            foreach (var account in Accounts)
            {
                lines.Should().Contain(l => Regex.IsMatch(l, $@"^{account}\s"), $"{account} starts its row, whole");
            }

            // Headers are whole: each is on one line, or its Japanese and its English each whole on their own lines.
            foreach (var header in new[] { "アカウント / account", "結果 / outcome", "投入 / loaded", "隔離 / quarantined" })
            {
                var parts = header.Split(" / ");
                (output.Contains(header, StringComparison.Ordinal) ||
                 (lines.Any(l => l.Contains(parts[0], StringComparison.Ordinal)) && lines.Any(l => l.Contains("/ " + parts[1], StringComparison.Ordinal))))
                    .Should().BeTrue($"header '{header}' is shown whole:\n{output}");
            }
        }

        status.Output.Should().Contain("隔離あり /").And.Contain("quarantined").And.Contain("最近の実行 / recent runs");
        run.Output.Should().Contain("(一致 / balanced)").And.Contain("[bad-email]");
    }

    [Fact]
    public async Task RunAndStatus_Piped_OneRecordPerLineWithoutPadding()
    {
        var job = cli.JobFile();

        var run = await cli.RunAsync("run", job);
        var status = await cli.RunAsync("status", job);

        foreach (var output in new[] { run.Output, status.Output })
        {
            var lines = Lines(output);
            lines.Should().NotContain(l => TrailingSpace().IsMatch(l), "piped output is not padded");
            lines.Should().NotContain(l => l.Contains('─') || l.Contains('│') || l.Contains("  ", StringComparison.Ordinal) && !l.StartsWith(' '),
                "no borders and no padding between cells");
            var header = lines.FindIndex(l => l.StartsWith("アカウント / account\t結果 / outcome\t", StringComparison.Ordinal));
            header.Should().BeGreaterThanOrEqualTo(0, output);
            var cells = lines[header].Split('\t').Length;
            foreach (var account in Accounts)
            {
                var row = lines.Single(l => l.StartsWith(account + "\t", StringComparison.Ordinal) && l.Split('\t').Length == cells);
                row.Split('\t').Should().OnlyContain(c => c.Length > 0 && c == c.Trim());
            }

        }

        Lines(run.Output).Should().Contain(l => l.StartsWith("user000\t", StringComparison.Ordinal) && l.Contains("[bad-email]", StringComparison.Ordinal),
            "a quarantined item is one line: account, where, reason");
        Lines(run.Output).Should().Contain(l => l.StartsWith("集計 / accounting: ", StringComparison.Ordinal) && l.EndsWith("(一致 / balanced)", StringComparison.Ordinal),
            "a message is one line, not wrapped to a screen width");
    }
}
