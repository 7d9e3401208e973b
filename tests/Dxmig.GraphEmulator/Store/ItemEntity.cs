using System.Text.Json.Nodes;

namespace Dxmig.GraphEmulator.Store;

/// <summary>What every stored Outlook item (message, contact) has. Guarded by its mailbox's lock.</summary>
internal abstract class ItemEntity(string id, long sequence)
{
    public string Id { get; set; } = id;

    /// <summary>Creation order, for stable listing and paging.</summary>
    public long Sequence { get; } = sequence;

    public required string FolderId { get; set; }

    public required DateTimeOffset Created { get; init; }

    public required DateTimeOffset LastModified { get; set; }

    public required string ChangeKey { get; set; }

    /// <summary>Client-set Graph properties as JSON (validated on the way in).</summary>
    public required JsonObject Properties { get; init; }

    public Dictionary<string, (ExtendedPropertyId Id, string Value)> Extended { get; } = new(StringComparer.Ordinal);

    /// <summary>Marks the item changed: new lastModifiedDateTime and changeKey.</summary>
    public void Touch(DateTimeOffset now)
    {
        LastModified = now;
        ChangeKey = MailboxEntity.NewChangeKey();
    }
}
