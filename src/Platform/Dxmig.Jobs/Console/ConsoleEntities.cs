namespace Dxmig.Jobs.Console;

/// <summary>One action taken or refused in the operator console (sign-in, stop, confirm deletions…): who, what, when, from where.</summary>
public sealed class AuditEntry
{
    public long Id { get; set; }

    /// <summary>When (UTC); set by <see cref="ConsoleStore.AppendAuditAsync"/>.</summary>
    public DateTime Utc { get; set; }

    /// <summary>The person: user name or UPN.</summary>
    public required string User { get; set; }

    /// <summary>Their role: viewer or operator.</summary>
    public required string Role { get; set; }

    /// <summary>What was done, e.g. <c>sign-in</c>, <c>stop</c>, <c>confirm-deletes</c>.</summary>
    public required string Action { get; set; }

    public string? Job { get; set; }

    public string? RunId { get; set; }

    /// <summary>Anything more a later reader needs (secrets masked on the way in).</summary>
    public string? Detail { get; set; }

    /// <summary>The client's address as the web host saw it.</summary>
    public string? ClientAddress { get; set; }

    /// <summary>How it ended, e.g. <c>ok</c>, <c>refused</c>, <c>failed</c>.</summary>
    public required string Outcome { get; set; }
}

/// <summary>A request from the console to the scheduler's nodes (today: stop a job's run), handled by the node that runs it.</summary>
public sealed class ConsoleRequest
{
    /// <summary>The kind of request <see cref="ConsoleStore.RequestStopAsync"/> makes.</summary>
    public const string StopKind = "stop";

    public long Id { get; set; }

    public DateTime Utc { get; set; }

    /// <summary>What is asked: <see cref="StopKind"/>.</summary>
    public required string Kind { get; set; }

    public required string Job { get; set; }

    /// <summary>The run to stop; null: whatever run of the job is going.</summary>
    public string? RunId { get; set; }

    public required string RequestedBy { get; set; }

    /// <summary>When a node acted on it; null while open.</summary>
    public DateTime? HandledUtc { get; set; }

    /// <summary>The node that acted on it.</summary>
    public string? HandledBy { get; set; }
}
