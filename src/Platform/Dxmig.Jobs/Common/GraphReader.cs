using System.Runtime.CompilerServices;
using System.Text.Json;
using Dxmig.Loaders.Graph;
using Dxmig.Contracts;

namespace Dxmig.Jobs.Common;

/// <summary>
/// Read-only Graph for reconciliation: collections paged by <c>@odata.nextLink</c> through dxmig's Graph engine (its
/// throttling and retry rules apply), and the extended-property <c>$expand</c> that brings dxmig's source key and hash.
/// </summary>
public sealed class GraphReader(GraphEngine engine)
{
    public GraphEngine Engine => engine;

    /// <summary><c>$expand</c> of these named or tagged extended properties, escaped for a URL.</summary>
    public static string Expand(params string[] properties) =>
        "$expand=" + Uri.EscapeDataString($"singleValueExtendedProperties($filter={string.Join(" or ", properties.Select(p => $"id eq '{p}'"))})");

    /// <summary>The value of an expanded extended property, or null.</summary>
    public static string? Extended(JsonElement item, string property)
    {
        if (!item.TryGetProperty("singleValueExtendedProperties", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        foreach (var entry in list.EnumerateArray())
        {
            if (string.Equals(entry.GetProperty("id").GetString(), property, StringComparison.OrdinalIgnoreCase))
            {
                return entry.GetProperty("value").GetString();
            }
        }

        return null;
    }

    /// <summary>Every item of a collection, page by page.</summary>
    /// <exception cref="AccountFailedException">Graph refuses a page.</exception>
    public async IAsyncEnumerable<JsonElement> ListAsync(string mailbox, string path, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? next = path;
        while (next is not null)
        {
            var page = await engine.RunAsync(mailbox, new GraphOperation("GET", next), cancellationToken);
            if (!page.IsDone)
            {
                throw new AccountFailedException($"移行先 {mailbox} を読めません: {page.Reason}", $"cannot read the target {mailbox}: {page.Reason}");
            }

            foreach (var item in page.Body.GetProperty("value").EnumerateArray())
            {
                yield return item.Clone();
            }

            next = GraphMailFolders.NextLink(page, engine.Options.BaseUrl);
        }
    }

    /// <summary>One item, or null when Graph answers 404.</summary>
    /// <exception cref="AccountFailedException">Graph refuses otherwise.</exception>
    public async Task<JsonElement?> GetAsync(string mailbox, string path, CancellationToken cancellationToken)
    {
        var answer = await engine.RunAsync(mailbox, new GraphOperation("GET", path), cancellationToken);
        return answer.IsDone ? answer.Body.Clone()
            : answer.Status == 404 ? null
            : throw new AccountFailedException($"移行先 {mailbox} を読めません: {answer.Reason}", $"cannot read the target {mailbox}: {answer.Reason}");
    }
}
