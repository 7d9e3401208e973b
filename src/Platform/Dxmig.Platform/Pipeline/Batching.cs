namespace Dxmig.Platform.Pipeline;

/// <summary>Splits a sequence into consecutive groups bounded by count and by total size (a single oversized item forms its own group).</summary>
public static class Batching
{
    public static IEnumerable<List<T>> BySize<T>(IEnumerable<T> items, Func<T, long> size, long maxBytes, int maxCount = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(size);
        var group = new List<T>();
        long bytes = 0;
        foreach (var item in items)
        {
            var length = size(item);
            if (group.Count > 0 && (group.Count >= maxCount || bytes + length > maxBytes))
            {
                yield return group;
                group = [];
                bytes = 0;
            }

            group.Add(item);
            bytes += length;
        }

        if (group.Count > 0)
        {
            yield return group;
        }
    }
}
