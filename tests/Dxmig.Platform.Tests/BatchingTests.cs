using Dxmig.Platform.Pipeline;

namespace Dxmig.Platform.Tests;

public sealed class BatchingTests
{
    [Fact]
    public void BySize_BoundsEachGroupByBytesAndCount_AndKeepsAnOversizedItemAlone()
    {
        var sizes = new long[] { 3, 3, 3, 20, 1, 1, 1, 1 };

        var groups = Batching.BySize(sizes, s => s, maxBytes: 7, maxCount: 3).ToList();

        groups.Select(g => g.ToArray()).Should().BeEquivalentTo(
            new[] { new long[] { 3, 3 }, new long[] { 3 }, new long[] { 20 }, new long[] { 1, 1, 1 }, new long[] { 1 } },
            o => o.WithStrictOrdering());
    }

    [Fact]
    public void BySize_Empty_GivesNoGroup() => Batching.BySize(Array.Empty<int>(), _ => 1, 10).Should().BeEmpty();
}
