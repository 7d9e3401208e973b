using System.Text.Json.Nodes;

namespace Dxmig.TestSupport.Jobs;

/// <summary>A reconciliation report folder's <c>summary.json</c>.</summary>
public static class ReportSummary
{
    public static JsonObject Read(string folder) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "summary.json")))!.AsObject();
}
