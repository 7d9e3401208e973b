using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Dxmig.Contracts;

/// <summary>Reads a YAML file (job or mapping) whose top is a mapping; problems go to the diagnostics with file:line.</summary>
public static class YamlFile
{
    /// <summary>The file's top-level mapping, or null (with the reason reported).</summary>
    public static YamlMappingNode? Load(string path, string display, DiagnosticBag diagnostics)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        try
        {
            // UTF-8 or CP932, found and checked as for every file dxmig reads: text in neither is an error, never mojibake.
            if (Text.TextFile.Read(path, display, diagnostics) is not { } decoded)
            {
                return null;
            }

            using var reader = new StringReader(decoded.Text);
            var stream = new YamlStream();
            stream.Load(reader);
            if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode mapping)
            {
                diagnostics.Error(new SourcePosition(display, 1, 1), "ファイルが空か、キーと値の組になっていません", "the file is empty or not a mapping of keys to values");
                return null;
            }

            return mapping;
        }
        catch (Exception ex) when (ex is YamlException or InvalidOperationException)
        {
            // InvalidOperationException: the parser's own failure on a flow collection ([ or {) that never closes.
            var problem = YamlProblem.From(ex, ReadLines(path));
            diagnostics.Error(new SourcePosition(display, problem.Line, problem.Column), problem.Japanese, problem.English);
            return null;
        }
    }

    /// <summary>The file's lines to point at the problem (tabs, keys and brackets are ASCII in any encoding); empty if unreadable.</summary>
    private static string[] ReadLines(string path)
    {
        try
        {
            return File.ReadAllLines(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
