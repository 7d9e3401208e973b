using Dxmig.Contracts;
using Dxmig.Jobs.Planning;
using Dxmig.TestSupport;
using Dxmig.TestSupport.Jobs;

namespace Dxmig.Jobs.Tests.Planning;

/// <summary><see cref="AssumedSizes"/>: a made-up source of a given scale and size mix, for a plan before the source can be read.</summary>
public sealed class AssumedSizesTests
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public void Build_TheMixsShapes_ScaledToTheTotal_Interleaved()
    {
        // Half of 7 accounts are 100-shaped, half 300-shaped: 4 and 3 (the remainder to the first); 1,300 MiB in all.
        var sizes = new AssumedSizes(7, 1300 * MiB, 1300, [new(50, 100), new(50, 300)], "mix.yaml").Build();

        sizes.Select(s => s.Size!.Bytes / MiB).Should().Equal(100, 300, 100, 300, 100, 300, 100);
        sizes.Select(s => s.Size!.Items).Should().Equal(100, 300, 100, 300, 100, 300, 100);
        sizes.Select(s => s.Account).Should().StartWith("assumed-00001").And.EndWith("assumed-00007");
    }

    [Fact]
    public void Build_AnyScale_AddsUpExactly_AndItemsDefaultToTheBenchCorporasMeanMessage()
    {
        var assumed = new AssumedSizes(7500, 15L * 1024 * 1024 * MiB, null, [new(30, 500), new(30, 1000), new(20, 2000), new(12, 4000), new(6, 8000), new(2, 15000)], "mix");

        var sizes = assumed.Build();

        sizes.Should().HaveCount(7500);
        sizes.Sum(s => s.Size!.Bytes).Should().Be(15L * 1024 * 1024 * MiB);
        sizes.Sum(s => s.Size!.Items).Should().Be(15L * 1024 * 1024 * MiB / AssumedSizes.AssumedItemBytes);
        sizes.Count(s => s.Size!.Bytes > sizes.Min(x => x.Size!.Bytes) * 29).Should().Be(150, "2% of 7,500 are the 15,000-shaped, 30× the 500-shaped");
        sizes.Take(50).Select(s => s.Size!.Bytes).Distinct().Should().HaveCountGreaterThan(3, "the groups are interleaved, not one after the other");
    }

    [Theory]
    [InlineData("15TB", 15L * 1024 * 1024 * 1024 * 1024)]
    [InlineData("300 GB", 300L * 1024 * 1024 * 1024)]
    [InlineData("1.5tb", 3L * 512 * 1024 * 1024 * 1024)]
    [InlineData("2048", 2048L)]
    [InlineData("6G", 6L * 1024 * 1024 * 1024)]
    public void ParseBytes_BinaryUnits_AsDxmigPrintsThem(string text, long bytes) =>
        AssumedSizes.ParseBytes(text).Should().Be(bytes);

    [Theory]
    [InlineData("")]
    [InlineData("lots")]
    [InlineData("-1TB")]
    [InlineData("15 PB")]
    public void ParseBytes_AnythingElse_IsNull(string text) => AssumedSizes.ParseBytes(text).Should().BeNull();

    [Fact]
    public void LoadMix_TheShippedExample_Reads_AndAMistakeIsReportedWithItsLine()
    {
        AssumedSizes.LoadMix(Path.Combine(RepoPaths.Mappings, "plan-size-mix.yaml")).Should().HaveCount(6);

        using var workspace = new JobWorkspace();
        var bad = workspace.Write("mix.yaml", "mix:\n  - share: 50\n    mb: 100\n  - share: half\n    mb: 300\n");
        var act = () => AssumedSizes.LoadMix(bad);

        act.Should().Throw<ConfigurationException>().Which.Message.Should().Contain("mix.yaml:4:").And.Contain("each entry is a share (a positive number) and an mb");
    }
}
