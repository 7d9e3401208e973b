namespace Dxmig.TestSupport;

/// <summary>The kinds of fault <see cref="FaultProxy"/> injects.</summary>
public enum ProxyFaultKind
{
    Drop,
    Stall,
    SlowLink,
}
