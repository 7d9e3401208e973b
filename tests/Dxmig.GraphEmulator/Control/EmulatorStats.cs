using System.Collections.Concurrent;

namespace Dxmig.GraphEmulator;

/// <summary>Counters per mailbox and operation kind (createMessage, listMessages, createFolder, batch, batchItem,
/// uploadChunk, …). Requests without a mailbox (token, $batch envelope, /users list) count under the mailbox "".</summary>
public sealed class EmulatorStats
{
    private readonly ConcurrentDictionary<(string Mailbox, string Operation), OperationCounters> _ops = new();
    private readonly ConcurrentDictionary<string, MailboxCounters> _mailboxes = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<FaultKind, int> _faults = new();

    /// <summary>Counters of one operation kind in one mailbox (UPN, case-insensitive).</summary>
    public OperationCounters For(string mailbox, string operation) =>
        _ops.GetOrAdd((mailbox.ToUpperInvariant(), operation), _ => new OperationCounters());

    /// <summary>Counters of a mailbox over every operation.</summary>
    public MailboxCounters Mailbox(string mailbox) => _mailboxes.GetOrAdd(mailbox, _ => new MailboxCounters());

    /// <summary>How many message creations (JSON or MIME, direct or in a batch) reached the mailbox, whatever their outcome.</summary>
    public int CreateCallsFor(string upn) => For(upn, Operations.CreateMessage).Requests;

    /// <summary>Requests of an operation kind over all mailboxes.</summary>
    public int TotalRequests(string operation) =>
        _ops.Where(kv => kv.Key.Operation == operation).Sum(kv => kv.Value.Requests);

    /// <summary>429 answers over all mailboxes and operations.</summary>
    public int TotalThrottled => _ops.Values.Sum(o => o.Throttled);

    /// <summary>How many faults of a kind were injected.</summary>
    public int FaultsInjected(FaultKind kind) => _faults.TryGetValue(kind, out var n) ? n : 0;

    /// <summary>Every fault injected, of any kind.</summary>
    public int TotalFaultsInjected => _faults.Values.Sum();

    internal void CountFault(FaultKind kind, string? mailbox)
    {
        _faults.AddOrUpdate(kind, 1, (_, n) => n + 1);
        if (mailbox is not null)
        {
            Mailbox(mailbox).AddFault();
        }
    }

    internal void Count(string mailbox, string operation, long bytes, int status)
    {
        For(mailbox, operation).Add(bytes, status);
        Mailbox(mailbox).Add(bytes, status);
    }

    internal void CountOperationOnly(string mailbox, string operation, long bytes, int status) => For(mailbox, operation).Add(bytes, status);

    internal void ObserveConcurrency(string mailbox, int concurrency) => Mailbox(mailbox).Observe(concurrency);
}

/// <summary>Request, 429 and byte counts.</summary>
public abstract class RequestCounters
{
    private int _requests;
    private int _throttled;
    private long _bytes;
    private long _admittedBytes;

    public int Requests => Volatile.Read(ref _requests);

    public int Throttled => Volatile.Read(ref _throttled);

    public long BytesReceived => Interlocked.Read(ref _bytes);

    /// <summary>Bytes of the requests that were not throttled: what the upload budget counted.</summary>
    public long BytesAdmitted => Interlocked.Read(ref _admittedBytes);

    internal void Add(long bytes, int status)
    {
        Interlocked.Increment(ref _requests);
        Interlocked.Add(ref _bytes, bytes);
        if (status == 429)
        {
            Interlocked.Increment(ref _throttled);
        }
        else
        {
            Interlocked.Add(ref _admittedBytes, bytes);
        }
    }
}

/// <summary>Counters of one operation kind.</summary>
public sealed class OperationCounters : RequestCounters;

/// <summary>Counters of one mailbox.</summary>
public sealed class MailboxCounters : RequestCounters
{
    private int _faults;
    private int _maxConcurrency;

    public int FaultsInjected => Volatile.Read(ref _faults);

    /// <summary>The most requests this mailbox had in flight at once.</summary>
    public int MaxConcurrency => Volatile.Read(ref _maxConcurrency);

    internal void AddFault() => Interlocked.Increment(ref _faults);

    internal void Observe(int concurrency)
    {
        int seen;
        while (concurrency > (seen = Volatile.Read(ref _maxConcurrency))
               && Interlocked.CompareExchange(ref _maxConcurrency, concurrency, seen) != seen)
        {
        }
    }
}

/// <summary>Operation kind names used in <see cref="EmulatorStats"/>.</summary>
public static class Operations
{
    public const string Token = "token";
    public const string ExchangeImapIntrospect = "exoImapIntrospect";
    public const string Batch = "batch";
    public const string BatchItem = "batchItem";
    public const string GetUser = "getUser";
    public const string UpdateUser = "updateUser";
    public const string ListUsers = "listUsers";
    public const string ListFolders = "listFolders";
    public const string GetFolder = "getFolder";
    public const string CreateFolder = "createFolder";
    public const string CreateMessage = "createMessage";
    public const string ListMessages = "listMessages";
    public const string GetMessage = "getMessage";
    public const string UpdateMessage = "updateMessage";
    public const string DeleteMessage = "deleteMessage";
    public const string MoveMessage = "moveMessage";
    public const string CreateAttachment = "createAttachment";
    public const string ListAttachments = "listAttachments";
    public const string GetAttachment = "getAttachment";
    public const string CreateUploadSession = "createUploadSession";
    public const string UploadChunk = "uploadChunk";
    public const string UploadStatus = "uploadStatus";
    public const string CancelUpload = "cancelUpload";
    public const string ListContactFolders = "listContactFolders";
    public const string GetContactFolder = "getContactFolder";
    public const string CreateContactFolder = "createContactFolder";
    public const string CreateContact = "createContact";
    public const string ListContacts = "listContacts";
    public const string GetContact = "getContact";
    public const string UpdateContact = "updateContact";
    public const string DeleteContact = "deleteContact";
    public const string Unknown = "unknown";
}
