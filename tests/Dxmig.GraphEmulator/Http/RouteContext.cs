using Dxmig.GraphEmulator.Store;

namespace Dxmig.GraphEmulator.Http;

/// <summary>What a handler gets: the request, the captured path values, the mailbox, and the emulator's services.</summary>
internal sealed class RouteContext
{
    public required GraphRequest Request { get; init; }

    public required IReadOnlyDictionary<string, string> Values { get; init; }

    /// <summary>The mailbox of <c>{user}</c>, when the route has one.</summary>
    public MailboxEntity? Mailbox { get; init; }

    public required EmulatorContext Emulator { get; init; }

    public MailboxEntity RequireMailbox => Mailbox ?? throw new InvalidOperationException("route has no {user}");

    public string Value(string name) => Values[name];

    public DateTimeOffset Now => Emulator.Time.GetUtcNow();
}
