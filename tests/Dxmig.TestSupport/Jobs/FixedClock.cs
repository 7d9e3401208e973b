namespace Dxmig.TestSupport.Jobs;

/// <summary>A clock that always says the same instant, for runs, plans and commands whose result depends on now.</summary>
public sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
