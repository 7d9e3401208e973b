using System.CommandLine;
using System.CommandLine.Parsing;

namespace Dxmig.Cli.Console;

/// <summary>
/// Command-line mistakes said plainly, Japanese then English (never the parser's "expected type 'System.Int32'"):
/// an unknown command with the closest one and the list, an unknown option, a missing or extra argument, a value
/// that is not a number. The caller exits with <see cref="Platform.Pipeline.ExitCodes.Usage"/>.
/// </summary>
internal static class UsageErrors
{
    /// <summary>Examples shown with a value that is not a number, by argument name.</summary>
    private static readonly Dictionary<string, string> Examples = new(StringComparer.Ordinal) { ["year"] = "2027" };

    private static readonly HashSet<Type> Numbers =
        [typeof(int), typeof(long), typeof(double), typeof(decimal), typeof(int?), typeof(long?), typeof(double?), typeof(decimal?)];

    /// <summary>One line per mistake (each one line, for a log or a terminal).</summary>
    public static IReadOnlyList<string> Describe(ParseResult parsed)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        var lines = new List<string>();
        var command = parsed.CommandResult.Command;
        var path = CommandPath(parsed.CommandResult);
        if (parsed.UnmatchedTokens.Count > 0)
        {
            var first = parsed.UnmatchedTokens[0];
            if (command is RootCommand && !first.StartsWith('-'))
            {
                lines.AddRange(UnknownCommand(command, first));
                return lines;
            }

            foreach (var token in parsed.UnmatchedTokens)
            {
                lines.Add(token.StartsWith('-')
                    ? Error($"{path} に '{token}' というオプションはありません{Suggest(token, Options(command))} ({path} --help で一覧)",
                            $"{path} has no option '{token}'{SuggestEnglish(token, Options(command))} ({path} --help lists them)")
                    : Error($"余分な引数 '{token}' があります (使い方: {Usage(path, command)})",
                            $"unexpected argument '{token}' (usage: {Usage(path, command)})"));
            }
        }

        foreach (var error in parsed.Errors)
        {
            switch (error.SymbolResult)
            {
                case ArgumentResult { Argument: var argument } result when result.Tokens.Count == 0:
                    var (ja, en) = Words(argument.Description, argument.Name);
                    lines.Add(Error($"{path} には <{argument.Name}> ({ja}) を指定してください (使い方: {Usage(path, command)})",
                                    $"{path} needs <{argument.Name}> ({en}) (usage: {Usage(path, command)})"));
                    break;
                case ArgumentResult { Argument: var argument } result:
                    lines.Add(NotReadable(argument.ValueType, Words(argument.Description, argument.Name), argument.Name, result.Tokens[0].Value, error.Message));
                    break;
                case OptionResult { Option: var option } result when result.Tokens.Count == 0:
                    lines.Add(Error($"{option.Name} には値が必要です ({Words(option.Description, option.Name).Japanese})",
                                    $"{option.Name} needs a value ({Words(option.Description, option.Name).English})"));
                    break;
                case OptionResult { Option: var option } result:
                    lines.Add(NotReadable(option.ValueType, (option.Name, option.Name), null, result.Tokens[0].Value, error.Message));
                    break;
                case CommandResult when parsed.UnmatchedTokens.Count == 0 && command is RootCommand:
                    lines.Add(Error("コマンドを指定してください", "give a command"));
                    lines.Add(CommandList(command));
                    break;
                case CommandResult:
                    break; // unmatched tokens, said above
                default:
                    lines.Add(Error(error.Message, error.Message));
                    break;
            }
        }

        return lines.Count > 0 ? lines.Distinct(StringComparer.Ordinal).ToList() : [Error("コマンドラインを読めません", "the command line cannot be read")];
    }

    /// <summary>The usage of a command with its arguments, optional ones in brackets: <c>status [&lt;job&gt;]</c>.</summary>
    public static string Arguments(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        return string.Join(' ', command.Arguments.Where(a => !a.Hidden).Select(a => (a.Arity.MinimumNumberOfValues, a.Arity.MaximumNumberOfValues) switch
        {
            (0, 1) => $"[<{a.Name}>]",
            (0, _) => $"[<{a.Name}>...]",
            (_, > 1) => $"<{a.Name}>...",
            _ => $"<{a.Name}>",
        }));
    }

    private static string Usage(string path, Command command)
    {
        var arguments = Arguments(command);
        return $"{path}{(arguments.Length > 0 ? " " + arguments : string.Empty)}{(command.Options.Any(o => !o.Hidden) ? " [options]" : string.Empty)}";
    }

    private static IEnumerable<string> UnknownCommand(Command root, string token)
    {
        var names = Visible(root).Select(c => c.Name).ToList();
        yield return Error($"'{token}' というコマンドはありません{Suggest(token, names)}", $"there is no command '{token}'{SuggestEnglish(token, names)}");
        yield return CommandList(root);
    }

    private static string CommandList(Command root) =>
        $"  コマンド / commands: {string.Join(", ", Visible(root).Select(c => c.Name))} (dxmig --help で説明 / dxmig --help describes them)";

    private static IEnumerable<Command> Visible(Command command) => command.Subcommands.Where(c => !c.Hidden);

    private static List<string> Options(Command command) =>
        [.. command.Options.Where(o => !o.Hidden).SelectMany(o => o.Aliases.Prepend(o.Name))];

    private static string NotReadable(Type type, (string Japanese, string English) label, string? argument, string value, string parserMessage)
    {
        if (label.Japanese.StartsWith('-'))
        {
            label = (label.Japanese + " ", label.English);
        }

        if (Numbers.Contains(type))
        {
            var example = argument is not null && Examples.TryGetValue(argument, out var e) ? e : null;
            return example is null
                ? Error($"{label.Japanese}は数字で指定してください (値: '{value}')", $"{Article(label.English)} must be a number (got '{value}')")
                : Error($"{label.Japanese}は数字で指定してください (例: {example}、値: '{value}')", $"{Article(label.English)} must be a number (e.g. {example}; got '{value}')");
        }

        if (type == typeof(TimeSpan) || type == typeof(TimeSpan?))
        {
            return Error($"{label.Japanese}は時:分:秒で指定してください (例: 00:00:10、値: '{value}')", $"{Article(label.English)} must be hours:minutes:seconds (e.g. 00:00:10; got '{value}')");
        }

        // A check of our own (already in plain words) or a type without a plain description.
        return parserMessage.Contains(" / ", StringComparison.Ordinal)
            ? $"エラー: {parserMessage}"
            : Error($"'{value}' は {label.Japanese.TrimEnd()} として読めません", $"'{value}' cannot be read as {label.English}");
    }

    private static string Article(string english) => english.StartsWith('-') ? english : "the " + english;

    /// <summary>The short Japanese and English names in a bilingual description "年 (…) / year (…)".</summary>
    private static (string Japanese, string English) Words(string? description, string fallback)
    {
        if (description is null || description.Split(" / ", 2) is not [var ja, var en])
        {
            return (fallback, fallback);
        }

        static string Short(string text) => text.Split(" (", 2)[0].Split('(', 2)[0].Trim();
        return (Short(ja), Short(en));
    }

    private static string CommandPath(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? at = result; at is CommandResult c; at = c.Parent)
        {
            names.Insert(0, c.Command is RootCommand ? "dxmig" : c.Command.Name);
        }

        return string.Join(' ', names);
    }

    private static string Error(string japanese, string english) => $"エラー: {japanese} / error: {english}";

    private static string Suggest(string token, IReadOnlyList<string> names) =>
        Closest(token, names) is { } near ? $"。もしかして '{near}' ですか?" : string.Empty;

    private static string SuggestEnglish(string token, IReadOnlyList<string> names) =>
        Closest(token, names) is { } near ? $"; did you mean '{near}'?" : string.Empty;

    /// <summary>The name a mistyped token most likely meant (a few letters apart, or the start of it); null when none is close.</summary>
    internal static string? Closest(string token, IReadOnlyList<string> names)
    {
        var best = names
            .Select(n => (Name: n, Distance: Distance(token.ToUpperInvariant(), n.ToUpperInvariant())))
            .OrderBy(x => x.Distance).ThenBy(x => x.Name, StringComparer.Ordinal)
            .FirstOrDefault();
        if (best.Name is null)
        {
            return null;
        }

        var prefix = names.Where(n => token.Length >= 2 && n.StartsWith(token, StringComparison.OrdinalIgnoreCase)).ToList();
        return best.Distance <= Math.Max(1, token.Length / 3) ? best.Name : prefix.Count == 1 ? prefix[0] : null;
    }

    /// <summary>Edit distance with adjacent transpositions (optimal string alignment).</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1][];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i] = new int[b.Length + 1];
            d[i][0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0][j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i][j] = Math.Min(Math.Min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i][j] = Math.Min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }

        return d[a.Length][b.Length];
    }
}
