using Dxmig.Contracts.Records;

namespace Dxmig.Contracts.Tests;

public sealed class MemoryBudgetTests
{
    [Fact]
    public async Task ReserveAsync_WhenSpent_WaitsAndWakesAsSoonAsMemoryIsGivenBack()
    {
        var budget = new MemoryBudget(1000);
        (await Completes(budget.ReserveAsync(800, CancellationToken.None))).Should().BeTrue();

        var waiting = budget.ReserveAsync(500, CancellationToken.None).AsTask();
        await Task.Delay(50);
        waiting.IsCompleted.Should().BeFalse("only 200 bytes are free");

        budget.Release(800);

        (await Completes(waiting)).Should().BeTrue();
        budget.Used.Should().Be(500);
    }

    [Fact]
    public async Task ReserveAsync_LargerThanTheWholeBudget_IsGrantedOnceNothingElseIsHeld()
    {
        var budget = new MemoryBudget(1000);
        await budget.ReserveAsync(10, CancellationToken.None);
        var big = budget.ReserveAsync(5000, CancellationToken.None).AsTask();
        await Task.Delay(50);
        big.IsCompleted.Should().BeFalse();

        budget.Release(10);

        (await Completes(big)).Should().BeTrue();
        budget.Used.Should().Be(5000);
    }

    [Fact]
    public async Task ReserveAsync_Cancelled_StopsWaiting()
    {
        var budget = new MemoryBudget(100);
        await budget.ReserveAsync(100, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var waiting = budget.ReserveAsync(50, cancel.Token).AsTask();

        await cancel.CancelAsync();

        await waiting.Invoking(w => w).Should().ThrowAsync<OperationCanceledException>();
        budget.Used.Should().Be(100);
    }

    [Fact]
    public async Task ReserveAsync_ManyWaiters_AllGetTheirShareAsMemoryComesBack()
    {
        var budget = new MemoryBudget(100);
        await budget.ReserveAsync(100, CancellationToken.None);
        var waiters = Enumerable.Range(0, 20).Select(_ => Task.Run(async () =>
        {
            await budget.ReserveAsync(10, CancellationToken.None);
            await Task.Yield();
            budget.Release(10);
        })).ToList();

        budget.Release(100);

        (await Completes(Task.WhenAll(waiters))).Should().BeTrue();
        budget.Used.Should().Be(0);
    }

    private static async Task<bool> Completes(Task task) => await Task.WhenAny(task, Task.Delay(TimeSpan.FromSeconds(5))) == task;

    private static Task<bool> Completes(ValueTask task) => Completes(task.AsTask());
}
