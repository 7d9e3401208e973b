namespace Dxmig.Contracts.Records;

/// <summary>What a folder is for, whatever it is called: from SPECIAL-USE attributes or Active! Mail's Japanese names.</summary>
public enum MailFolderRole
{
    None,
    Inbox,
    Sent,
    Drafts,
    Trash,
    Junk,
    Archive,
}

/// <summary>What changed about a message since the ledger last saw it.</summary>
public enum MailChange
{
    /// <summary>A message to copy (new, or read again after a UIDVALIDITY change).</summary>
    New,

    /// <summary>Only its flags or keywords changed: no body is read.</summary>
    Flags,

    /// <summary>It vanished from the source folder.</summary>
    Removal,

    /// <summary>
    /// It was moved on the source from another folder (a new message whose bytes equal a loaded one that vanished from
    /// another folder of the account): moved on the target, not written again. <see cref="SourceMessage.MovedFrom"/>
    /// holds the target key it had.
    /// </summary>
    Move,

    /// <summary>The old place of a moved message: closed in the ledger as moved, nothing removed on the target.</summary>
    MovedAway,
}
