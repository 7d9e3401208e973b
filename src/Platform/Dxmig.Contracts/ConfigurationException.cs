namespace Dxmig.Contracts;

/// <summary>A job file, mapping file or setting is wrong; the run does not start. Exit code 2.</summary>
public sealed class ConfigurationException : Exception
{
    public ConfigurationException()
    {
    }

    public ConfigurationException(string message)
        : base(message)
    {
    }

    public ConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
