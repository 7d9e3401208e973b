using Dxmig.Contracts.Records;

namespace Dxmig.Contracts.Tests;

public sealed class BodyBufferPoolTests
{
    [Theory]
    [InlineData(1, 4096)]
    [InlineData(4096, 4096)]
    [InlineData(4097, 8192)]
    [InlineData(MessageContent.MemoryLimit + 1, MessageContent.MemoryLimit * 2)]
    public void Rent_GivesThePowerOfTwoAtOrAboveTheLength(int length, int size)
    {
        var buffer = BodyBufferPool.Rent(length);

        buffer.Length.Should().Be(size);
        BodyBufferPool.SizeFor(length).Should().Be(size);
        BodyBufferPool.Return(buffer);
    }

    [Fact]
    public void Return_KeepsTheBufferForTheNextRentOfItsSize()
    {
        // A size no other test rents, so the bucket holds only what this test returns.
        var buffer = BodyBufferPool.Rent(3 * 1024 * 1024);
        BodyBufferPool.Return(buffer);

        BodyBufferPool.Rent(3 * 1024 * 1024).Should().BeSameAs(buffer);
    }

    [Fact]
    public void Return_DropsBuffersBeyondTheRetainedCapacity()
    {
        var count = (int)(BodyBufferPool.RetainedCapacity / (2 * 1024 * 1024)) + 4;
        var buffers = Enumerable.Range(0, count).Select(_ => BodyBufferPool.Rent(2 * 1024 * 1024)).ToList();
        buffers.ForEach(BodyBufferPool.Return);

        var again = Enumerable.Range(0, count).Select(_ => BodyBufferPool.Rent(2 * 1024 * 1024)).ToList();

        again.Count(b => buffers.Contains(b)).Should().BeLessThanOrEqualTo(count - 4);
        again.ForEach(BodyBufferPool.Return);
    }

    [Fact]
    public void Return_IgnoresArraysNotOfThePoolsSizes()
    {
        var odd = new byte[5000];

        BodyBufferPool.Return(odd);

        BodyBufferPool.Rent(5000).Should().NotBeSameAs(odd);
    }
}
