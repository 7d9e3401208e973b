namespace Dxmig.Imap;

/// <summary>The target server answered NO to an APPEND (too large, invalid message, quota): the message is quarantined with its words.</summary>
public class ImapAppendRefusedException : Exception
{
    public ImapAppendRefusedException()
    {
    }

    public ImapAppendRefusedException(string message)
        : base(message)
    {
    }

    public ImapAppendRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
