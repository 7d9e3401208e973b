namespace Dxmig.Extractors.Imap;

/// <summary>What happens on the target to a message that vanished from the source.</summary>
public enum DeletionPolicy
{
    /// <summary>Nothing: the target keeps it (default; a deletion during the migration window is not propagated).</summary>
    Keep,

    /// <summary>Delete it on the target too, unless more than the threshold of the folder would go in one run.</summary>
    Mirror,
}
