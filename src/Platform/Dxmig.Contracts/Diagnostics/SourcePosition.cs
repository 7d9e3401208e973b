namespace Dxmig.Contracts;

/// <summary>A place in a file a person can open: file, line and column (1-based).</summary>
public readonly record struct SourcePosition(string File, int Line, int Column)
{
    public override string ToString() => Line > 0 ? $"{File}:{Line}:{Column}" : File;
}
