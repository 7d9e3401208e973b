using Dxmig.GraphEmulator;
using Dxmig.Loaders.Graph;
using Microsoft.Extensions.Time.Testing;

namespace Dxmig.Loaders.Tests.Graph;

/// <summary>
/// The Graph emulator in-process (loopback HTTPS, its own token endpoint) and a <see cref="GraphSession"/> pinned to it,
/// as a run would open one from a job file.
/// </summary>
public sealed class EmulatedGraph : IAsyncDisposable
{
    public const string Domain = "pref.example.jp";

    private EmulatedGraph(GraphEmulator.GraphEmulator emulator, GraphSession session)
    {
        Emulator = emulator;
        Session = session;
    }

    public GraphEmulator.GraphEmulator Emulator { get; }

    public GraphSession Session { get; }

    public static string Upn(string user) => $"{user}@{Domain}";

    /// <summary>Starts the emulator with these users (local parts) and opens a session; <paramref name="options"/> adjusts the target's options.</summary>
    public static async Task<EmulatedGraph> StartAsync(IReadOnlyList<string> users, Func<GraphTargetOptions, GraphTargetOptions>? options = null)
    {
        var emulator = await GraphEmulator.GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = [.. users.Select(Upn)] }, CancellationToken.None);
        var target = new GraphTargetOptions
        {
            BaseUrl = new Uri(emulator.BaseUrl),
            AuthorityHost = emulator.AuthorityHost,
            TenantId = emulator.TenantId,
            ClientId = emulator.ClientId,
            ClientSecret = emulator.ClientSecret,
            PinnedSha256 = emulator.CertificateSha256,
        };
        return new EmulatedGraph(emulator, new GraphSession(options is null ? target : options(target)));
    }

    /// <summary>
    /// Once <paramref name="from"/> holds (the server has answered what the task must wait after), moves the clock on in
    /// 100 ms steps until the task ends; returns how far it moved: the task waited no longer than that, and it could not
    /// end before the clock had moved as far as it waits.
    /// </summary>
    public static async Task<TimeSpan> AdvanceUntilDoneAsync(FakeTimeProvider time, Task task, Func<bool> from)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(from);
        var step = TimeSpan.FromMilliseconds(100);
        var moved = TimeSpan.Zero;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!task.IsCompleted && DateTime.UtcNow < deadline)
        {
            await Task.WhenAny(task, Task.Delay(20));
            if (!task.IsCompleted && from())
            {
                time.Advance(step);
                moved += step;
            }
        }

        await task;
        return moved;
    }

    public async ValueTask DisposeAsync()
    {
        Session.Dispose();
        await Emulator.DisposeAsync();
    }
}
