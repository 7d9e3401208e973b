namespace Dxmig.Platform.Logging;

/// <summary>An exception as it is written to a log: its whole text, with secrets masked.</summary>
public sealed class MaskedException : Exception
{
    private readonly string text;

    public MaskedException(Exception original)
        : base(SecretMasker.Apply(original?.Message))
    {
        ArgumentNullException.ThrowIfNull(original);
        text = SecretMasker.Apply(original.ToString());
        OriginalType = original.GetType().FullName ?? original.GetType().Name;
    }

    public MaskedException()
    {
        text = string.Empty;
        OriginalType = string.Empty;
    }

    public MaskedException(string message)
        : base(SecretMasker.Apply(message))
    {
        text = Message;
        OriginalType = string.Empty;
    }

    public MaskedException(string message, Exception innerException)
        : base(SecretMasker.Apply(message), innerException)
    {
        text = Message;
        OriginalType = string.Empty;
    }

    public string OriginalType { get; }

    public override string? StackTrace => null;

    public override string ToString() => text;
}
