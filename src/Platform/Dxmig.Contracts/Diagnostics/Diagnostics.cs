namespace Dxmig.Contracts;

public enum Severity
{
    Error,
    Warning,
}

/// <summary>One problem found in a job or mapping file, in Japanese with English beside it.</summary>
public sealed record Diagnostic(SourcePosition Position, Severity Severity, string Japanese, string English)
{
    public override string ToString() => Severity == Severity.Error
        ? $"{Position}: エラー: {Japanese} / error: {English}"
        : $"{Position}: 警告: {Japanese} / warning: {English}";
}

/// <summary>Collects every problem, so a person sees them all at once rather than one per try.</summary>
public sealed class DiagnosticBag
{
    private readonly List<Diagnostic> items = [];
    private readonly List<string> notes = [];

    public IReadOnlyList<Diagnostic> Items => items;

    public bool HasErrors => items.Any(d => d.Severity == Severity.Error);

    public void Error(SourcePosition position, string japanese, string english) =>
        items.Add(new Diagnostic(position, Severity.Error, japanese, english));

    public void Warning(SourcePosition position, string japanese, string english) =>
        items.Add(new Diagnostic(position, Severity.Warning, japanese, english));

    /// <summary>Facts worth a look that are no problem (a mapping file read as CP932), one line each; <c>validate</c> shows them.</summary>
    public IReadOnlyList<string> Notes => notes;

    public void Note(string file, string japanese, string english) => notes.Add($"{file}: {japanese} / {english}");

    /// <summary>All problems, ordered by file and line, one per line.</summary>
    public string Render() => string.Join(
        Environment.NewLine,
        items.OrderBy(d => d.Position.File, StringComparer.Ordinal).ThenBy(d => d.Position.Line).ThenBy(d => d.Position.Column).Select(d => d.ToString()));
}
