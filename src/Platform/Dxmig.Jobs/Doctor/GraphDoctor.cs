using System.Text;
using System.Text.Json;
using Azure.Core;
using Dxmig.Jobs.Common;
using Dxmig.Loaders.Graph;

namespace Dxmig.Jobs.Doctor;

/// <summary>
/// The checks of a Graph target, read-only: the app's credential (its reference), a token from Entra ID (client
/// credentials) through the run's own <see cref="GraphSession"/> (its TLS check and pin), the application permissions
/// in the token's <c>roles</c> claim where the token shows them, and one cheap GET per permission the job needs, each
/// naming the permission it proves. A 403 names the permission and where it is granted.
/// </summary>
public static class GraphDoctor
{
    public static DoctorEndpoint Endpoint(string role, GraphTargetSettings settings, Func<string, string?> environment, IReadOnlyList<GraphRead> reads)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new DoctorEndpoint(role, $"{settings.Options.BaseUrl} (tenant {settings.Options.TenantId}, app {settings.Options.ClientId})",
            (probe, ct) => ProbeAsync(probe, settings, environment, reads, ct));
    }

    /// <summary>A token request's failure in plain words (the AADSTS code's meaning, or the connection's), for any step that asks Entra ID.</summary>
    public static (ConnectionFailureKind, string, string)? ExplainToken(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var kind = ConnectionFailure.KindOf(exception);
        if (kind is ConnectionFailureKind.Refused or ConnectionFailureKind.Dns or ConnectionFailureKind.Timeout or ConnectionFailureKind.Tls)
        {
            return null;
        }

        return ConnectionFailure.TokenRefusal(exception) is { } refusal ? (ConnectionFailureKind.Authentication, refusal.Reason, refusal.Fix) : null;
    }

    private static async Task ProbeAsync(DoctorProbe probe, GraphTargetSettings settings, Func<string, string?> environment, IReadOnlyList<GraphRead> reads, CancellationToken ct)
    {
        var where = settings.Options.AuthorityHost.Host;
        GraphTargetOptions? options = null;
        if (!await probe.StepAsync("アプリの資格情報 / app credential", settings.Options.BaseUrl.Host, _ =>
            {
                options = settings.Resolve(environment) with { RequestTimeout = probe.Request.Timeout, MaxRetries = 0 };
                return Task.FromResult<string?>(options.ClientCertificate is not null
                    ? $"クライアント証明書 {settings.CertificateFile} / client certificate {settings.CertificateFile}"
                    : $"クライアント シークレット ({settings.ClientSecret}) / client secret ({settings.ClientSecret})");
            }, ct))
        {
            return;
        }

        using var session = new GraphSession(options!);
        string? token = null;
        if (!await probe.StepAsync("トークンの取得 (クライアント資格情報) / token (client credentials)", where, async cancel =>
            {
                token = (await session.Credential.GetTokenAsync(new TokenRequestContext([GraphSession.Scope]), cancel)).Token;
                return "発行されました / issued";
            }, ct, ExplainToken))
        {
            probe.Skip("権限 / permissions", "トークンがないため確認していません / not checked: no token");
            return;
        }

        var roles = Roles(token!);
        foreach (var permission in reads.Select(r => r.Permission).Distinct())
        {
            if (roles is null)
            {
                continue;
            }

            if (permission.GrantedBy(roles))
            {
                probe.Ok($"権限 {permission.Name} (トークンの roles) / permission {permission.Name} (the token's roles)");
            }
            else
            {
                probe.Fail($"権限 {permission.Name} (トークンの roles) / permission {permission.Name} (the token's roles)",
                    permission.Missing, permission.HowToGrant, ConnectionFailureKind.Permission);
            }
        }

        foreach (var read in reads.Where(r => r.Path is not null))
        {
            await probe.StepAsync($"{read.What} — 権限 {read.Permission.Name} / permission {read.Permission.Name}", settings.Options.BaseUrl.Host,
                cancel => ReadAsync(session, read.Path!, read, cancel), ct, ex => ex is GraphRefusedException refused ? refused.Explain(read) : null);
        }

        if (roles is null && probe.Verdict != DoctorStatus.Failed)
        {
            // Writing is what the run does; a doctor does not write, and this token does not list its roles.
            var names = string.Join(", ", reads.Select(r => r.Permission.Name).Distinct());
            probe.Ok($"書き込み権限 {names} / write permissions {names}",
                "推定: トークンに roles がなく、書き込まずには確かめられません (読み取りは上で確認) / inferred: the token lists no roles and writing is not tried (reads checked above)");
        }
    }

    private static async Task<string?> ReadAsync(GraphSession session, string path, GraphRead read, CancellationToken cancellationToken)
    {
        using var response = await session.Http.GetAsync(session.Url(path), cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        using var json = body.Length == 0 ? null : JsonDocument.Parse(body);
        var status = (int)response.StatusCode;
        if (status is < 200 or >= 300)
        {
            var outcome = GraphOutcome.FromJson(GraphOutcomeKind.Refused, status, json?.RootElement.Clone() ?? default);
            throw new GraphRefusedException(status, outcome.ErrorCode, outcome.ErrorMessage);
        }

        if (read.Check is { } check && json is not null && check(json.RootElement) is { } problem)
        {
            throw new GraphRefusedException(404, "dxmig.notFound", problem);
        }

        return $"HTTP {status}";
    }

    /// <summary>The <c>roles</c> claim of an Entra ID access token (a JWT), or null when the token does not show one (an opaque token).</summary>
    internal static IReadOnlyCollection<string>? Roles(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            return null;
        }

        try
        {
            var payload = parts[1].Replace('-', '+').Replace('_', '/');
            payload = payload.PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '=');
            using var claims = JsonDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(payload)));
            return claims.RootElement.TryGetProperty("roles", out var roles) && roles.ValueKind == JsonValueKind.Array
                ? [.. roles.EnumerateArray().Select(r => r.GetString() ?? string.Empty)]
                : [];
        }
        catch (Exception ex) when (ex is FormatException or JsonException or ArgumentException)
        {
            return null;
        }
    }
}
