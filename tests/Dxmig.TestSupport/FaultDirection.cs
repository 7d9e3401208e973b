namespace Dxmig.TestSupport;

/// <summary>Which way a fault hits: client → target (upstream), target → client (downstream), or either (chosen per connection).</summary>
public enum FaultDirection
{
    Either,
    Upstream,
    Downstream,
}
