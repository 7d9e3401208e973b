using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Core;

namespace Dxmig.GraphEmulator.Tests;

/// <summary>Plain HTTP against the emulator with a real token, for what the SDK will not send (21-item batches,
/// Authorization on an uploadUrl, oversize bodies).</summary>
internal sealed class RawGraph(GraphEmulator emu) : IDisposable
{
    private readonly HttpClient _http = new(emu.CreatePinnedHandler());
    private string? _token;

    public async Task<(int Status, JsonNode? Body, HttpResponseHeaders Headers)> SendAsync(HttpMethod method, string url, string? json = null, bool bearer = true)
    {
        using var request = new HttpRequestMessage(method, url.StartsWith("https:", StringComparison.Ordinal) ? url : emu.BaseUrl + url);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        if (bearer)
        {
            _token ??= (await GraphClients.SecretCredential(emu).GetTokenAsync(new TokenRequestContext(GraphClients.Scopes), CancellationToken.None)).Token;
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        }

        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text), response.Headers);
    }

    public void Dispose() => _http.Dispose();
}
