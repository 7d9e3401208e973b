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
                throw new ConfigurationException(
                    $"{Position}: 環境変数 {Name} (秘密情報) が設定されていません / the secret's environment variable {Name} is not set");
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
                throw new ConfigurationException(
                    $"{Position}: 秘密情報のファイル {Name} を読めません ({ex.GetType().Name}) / cannot read the secret file {Name} ({ex.GetType().Name})");
            }

            if (value.Length == 0)
            {
                throw new ConfigurationException($"{Position}: 秘密情報のファイル {Name} が空です / the secret file {Name} is empty");
            }
        }

        SecretMasker.Register(value);
        return value;
    }

    public override string ToString() => Source == SecretSource.Environment ? $"env:{Name}" : $"file:{Name}";
}
