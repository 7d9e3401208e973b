namespace Dxmig.Contracts;

/// <summary>Whether this process may still write to the target for the account being loaded (a cluster run's lease).</summary>
public interface IWriteFence
{
    /// <summary>Throws when the account is no longer this process's: nothing more may be written for it.</summary>
    void ThrowIfLost();
}

/// <summary>
/// The write fence of the account whose batch is being loaded, set by the pipeline around the loader call and checked
/// by the target clients right before each command that writes (an IMAP APPEND, a Graph request): a process that was
/// frozen mid-batch and lost the account meanwhile stops before its next write, not after the batch. Flows with the
/// async call (an <see cref="AsyncLocal{T}"/>); outside a cluster run there is none and the check does nothing.
/// </summary>
public static class WriteFence
{
    private static readonly AsyncLocal<IWriteFence?> Ambient = new();

    public static IWriteFence? Current
    {
        get => Ambient.Value;
        set => Ambient.Value = value;
    }

    /// <summary>Throws when the current account's fence says this process lost it.</summary>
    public static void Check() => Ambient.Value?.ThrowIfLost();
}
