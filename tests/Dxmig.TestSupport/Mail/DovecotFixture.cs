using Dxmig.Sandbox;

namespace Dxmig.TestSupport.Mail;

/// <summary>
/// One Dovecot server shared by the tests of a class or collection: users <c>tanaka</c>, <c>suzuki</c> and
/// <c>user01</c>..<c>user10</c> (password: the name + "-pass"), master user <c>admin</c>.
/// </summary>
public sealed class DovecotFixture : IAsyncLifetime
{
    private DovecotServer? server;

    public static IReadOnlyDictionary<string, string> DefaultUsers { get; } =
        new[] { "tanaka", "suzuki" }.Concat(Enumerable.Range(1, 10).Select(i => $"user{i:D2}"))
            .ToDictionary(u => u, u => u + "-pass", StringComparer.Ordinal);

    public DovecotServer Server => server ?? throw new InvalidOperationException("the server has not started");

    public async Task InitializeAsync() => server = await DovecotServer.StartAsync(new DovecotOptions { Users = DefaultUsers });

    public async Task DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }
}
