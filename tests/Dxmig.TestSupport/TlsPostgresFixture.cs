using System.Security.Cryptography.X509Certificates;

namespace Dxmig.TestSupport;

/// <summary>A private PostgreSQL with ssl=on and a server certificate for 127.0.0.1 and localhost, issued by a test CA.</summary>
public sealed class TlsPostgresFixture : IAsyncLifetime
{
    private PostgresServer? server;

    public TempFolder Folder { get; } = new("dxmig-pgtls");

    public X509Certificate2 Ca { get; } = TestCertificates.CreateCa("dxmig test CA");

    public X509Certificate2 OtherCa { get; } = TestCertificates.CreateCa("some other CA");

    public X509Certificate2 ServerCertificate { get; private set; } = null!;

    public string CaFile => Folder.File("ca.pem");

    public string OtherCaFile => Folder.File("other-ca.pem");

    public PostgresServer Server => server ?? throw new InvalidOperationException("not started");

    /// <summary>The names the server certificate is made out to.</summary>
    public string[] Names { get; init; } = ["127.0.0.1", "localhost"];

    public async Task InitializeAsync()
    {
        TestCertificates.WritePem(Ca, CaFile);
        TestCertificates.WritePem(OtherCa, OtherCaFile);
        ServerCertificate = TestCertificates.Issue(Ca, Names);
        server = await PostgresServer.StartAsync(ServerCertificate);
    }

    public async Task DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }

        Folder.Dispose();
    }
}

/// <summary>The same, but the certificate names only db.invalid.example: right CA, wrong name.</summary>
public sealed class MisnamedTlsPostgresFixture : IAsyncLifetime
{
    public TlsPostgresFixture Inner { get; } = new() { Names = ["db.invalid.example"] };

    public Task InitializeAsync() => Inner.InitializeAsync();

    public Task DisposeAsync() => Inner.DisposeAsync();
}
