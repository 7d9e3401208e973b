namespace Dxmig.GraphEmulator.Store;

/// <summary>A stored contact.</summary>
internal sealed class ContactEntity(string id, long sequence) : ItemEntity(id, sequence);
