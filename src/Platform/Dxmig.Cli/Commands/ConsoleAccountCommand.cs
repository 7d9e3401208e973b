using System.CommandLine;
using System.Text;
using Dxmig.Cli.Console;
using Dxmig.Platform.Pipeline;
using Dxmig.Web.Auth;

namespace Dxmig.Cli.Commands;

/// <summary>
/// <c>dxmig console-account NAME --role viewer|operator --file FILE</c>: adds or replaces a local account of the
/// operator console (for a site rehearsing without Entra ID). The password is read from standard input (never from
/// the command line, where other users and the shell history would see it) and only its PBKDF2 hash is written; the
/// file is made readable by its owner only.
/// </summary>
internal static class ConsoleAccountCommand
{
    public static Command Create(CliIo io)
    {
        var name = new Argument<string>("name") { Description = "サインインに使う名前 / the name to sign in with" };
        var role = new Option<string>("--role") { Description = "viewer (閲覧) か operator (操作) / viewer or operator", DefaultValueFactory = _ => ConsoleRoles.Viewer };
        var file = new Option<string>("--file") { Description = "ローカル アカウントのファイル / the local accounts file", Required = true };
        var remove = new Option<bool>("--remove") { Description = "この名前を削除します / remove this name" };
        var command = new Command("console-account", "操作コンソールのローカル アカウントを追加・変更します (パスワードは標準入力から) / add or change a local account of the operator console (password from standard input)")
        {
            name, role, file, remove,
        };
        command.SetAction(parse => Execute(io, parse.GetValue(name)!, parse.GetValue(role)!, parse.GetValue(file)!, parse.GetValue(remove), System.Console.In));
        return command;
    }

    public static int Execute(CliIo io, string name, string role, string file, bool remove, TextReader input)
    {
        ArgumentNullException.ThrowIfNull(io);
        ArgumentNullException.ThrowIfNull(input);
        if (name.Length == 0 || name.Any(char.IsWhiteSpace))
        {
            io.Error.WriteLine("名前に空白は使えません / a name cannot contain spaces");
            return ExitCodes.Usage;
        }

        if (role is not (ConsoleRoles.Viewer or ConsoleRoles.Operator))
        {
            io.Error.WriteLine($"--role は viewer か operator です (指定: {role}) / --role is viewer or operator");
            return ExitCodes.Usage;
        }

        var lines = File.Exists(file) ? File.ReadAllLines(file, Encoding.UTF8).ToList() : ["# dxmig 操作コンソールのローカル アカウント: 名前 ロール ハッシュ / local accounts of the dxmig console: NAME ROLE HASH"];
        lines.RemoveAll(l => l.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries) is { Length: > 0 } parts && string.Equals(parts[0], name, StringComparison.OrdinalIgnoreCase));
        if (!remove)
        {
            if (io.Interactive)
            {
                io.Output.Write("パスワード / password: ");
            }

            var password = input.ReadLine() ?? string.Empty;
            if (password.Length < 12)
            {
                io.Error.WriteLine("パスワードは 12 文字以上にしてください / the password must be at least 12 characters");
                return ExitCodes.Usage;
            }

            lines.Add($"{name} {role} {LocalAccounts.HashPassword(password)}");
        }

        File.WriteAllLines(file, lines, new UTF8Encoding(false));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        io.Line(remove ? $"{name} を削除しました / removed {name}" : $"{name} ({role}) を書き込みました: {file} / wrote {name} ({role}) to {file}");
        return ExitCodes.Success;
    }
}
