namespace Dxmig.Jobs.Tests.Harness;

/// <summary>The lines of a job file's Graph target pointing at an emulator (secret by reference), indented for <c>target:</c>.</summary>
internal static class GraphTargetYaml
{
    public static string For(GraphEmulator.GraphEmulator graph, string secretEnv, string indent = "  ") => string.Join('\n', new[]
    {
        "type: graph",
        $"base-url: {graph.BaseUrl}",
        $"authority-host: {graph.AuthorityHost}",
        $"tenant-id: {graph.TenantId}",
        $"client-id: {graph.ClientId}",
        $"client-secret-env: {secretEnv}",
        $"certificate-sha256: {graph.CertificateSha256}",
    }.Select((line, i) => i == 0 ? line : indent + line));
}
