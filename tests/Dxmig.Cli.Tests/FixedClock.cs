namespace Dxmig.Cli.Tests;

/// <summary>A clock that always says the same instant, for commands whose output depends on today.</summary>
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
