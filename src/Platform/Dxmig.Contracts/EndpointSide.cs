namespace Dxmig.Contracts;

/// <summary>Which end of a job a server is.</summary>
public enum EndpointSide
{
    Source,
    Target,
}
