using Dxmig.Contracts;
using Dxmig.Platform.Logging;

namespace Dxmig.Platform.JobFiles;

public enum SecretSource
{
    Environment,
    File,
}

/// <summary>
/// Where a secret is found: an environment variable or a file. Never the secret itself; the value is read only when a
/// run needs it, and registered with the log masker at that moment.
/// </summary>
public sealed record SecretReference(SecretSource Source, string Name, SourcePosition Position)
{
    /// <summary>
    /// Why the secret cannot be read, without reading it into anything shown (the variable unset or empty, the file
    /// missing, unreadable or empty); null when it is there.
    /// </summary>
    public (string Japanese, string English)? Problem(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (Source == SecretSource.Environment)
        {
            return string.IsNullOrEmpty(environment(Name))
                ? ($"環境変数 {Name} (秘密情報) が設定されていません", $"the secret's environment variable {Name} is not set")
                : null;
        }

        try
        {
            var file = new System.IO.FileInfo(Name);
            if (!file.Exists)
            {
                return ($"秘密情報のファイル {Name} がありません", $"the secret file {Name} does not exist");
            }

            using var stream = file.OpenRead();
            return stream.Length == 0 ? ($"秘密情報のファイル {Name} が空です", $"the secret file {Name} is empty") : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return ($"秘密情報のファイル {Name} を読めません ({ex.GetType().Name})", $"cannot read the secret file {Name} ({ex.GetType().Name})");
        }
    }

    /// <summary>Reads the secret.</summary>
    /// <exception cref="ConfigurationException">The variable is unset or the file is unreadable.</exception>
    public string Resolve(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        string? value;
        if (Source == SecretSource.Environment)
        {
            value = environment(Name);
            if (string.IsNullOrEmpty(value))
            {
                throw new ConfigurationException(Message($"環境変数 {Name} (秘密情報) が設定されていません", $"the secret's environment variable {Name} is not set"));
            }
        }
        else
        {
            try
            {
                value = System.IO.File.ReadAllText(Name).TrimEnd('\r', '\n');
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new ConfigurationException(Message($"秘密情報のファイル {Name} を読めません ({ex.GetType().Name})", $"cannot read the secret file {Name} ({ex.GetType().Name})"));
            }

            if (value.Length == 0)
            {
                throw new ConfigurationException(Message($"秘密情報のファイル {Name} が空です", $"the secret file {Name} is empty"));
            }
        }

        SecretMasker.Register(value);
        return value;
    }

    /// <summary>The message as every job-file problem reads: <c>file:line:column: エラー: … / error: …</c>.</summary>
    private string Message(string japanese, string english) => new Diagnostic(Position, Severity.Error, japanese, english).ToString();

    public override string ToString() => Source == SecretSource.Environment ? $"env:{Name}" : $"file:{Name}";
}
