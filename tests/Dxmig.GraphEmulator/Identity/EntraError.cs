using System.Globalization;
using System.Text.Json.Nodes;

namespace Dxmig.GraphEmulator.Identity;

/// <summary>An Entra ID error: the OAuth <c>error</c> string, the AADSTS number, and its text. The description reads
/// as Entra ID writes it: <c>AADSTS{code}: {text}</c> followed by trace and correlation ids and a timestamp.</summary>
internal sealed record EntraError(int Status, string Error, int Code, string Text)
{
    public string Description(DateTimeOffset now, out string trace)
    {
        trace = Guid.NewGuid().ToString("D");
        return $"AADSTS{Code}: {Text} Trace ID: {trace} Correlation ID: {trace} Timestamp: {Stamp(now)}";
    }

    /// <summary>The token endpoint's JSON error body.</summary>
    public JsonObject Json(DateTimeOffset now)
    {
        var description = Description(now, out var trace);
        return new JsonObject
        {
            ["error"] = Error,
            ["error_description"] = description,
            ["error_codes"] = new JsonArray(Code),
            ["timestamp"] = Stamp(now),
            ["trace_id"] = trace,
            ["correlation_id"] = trace,
            ["error_uri"] = $"https://login.microsoftonline.com/error?code={Code}",
        };
    }

    private static string Stamp(DateTimeOffset now) => now.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static EntraError TenantNotFound(string tenant) =>
        new(400, "invalid_request", 90002, $"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.");

    public static EntraError UnknownClient(string? clientId, string tenant) =>
        new(400, "unauthorized_client", 700016, $"Application with identifier '{clientId}' was not found in the directory '{tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.");

    public static EntraError RedirectMismatch(string? redirectUri, string clientId) =>
        new(400, "invalid_request", 50011, $"The redirect URI '{redirectUri}' specified in the request does not match the redirect URIs configured for the application '{clientId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal.");

    public static EntraError Missing(string parameter) =>
        new(400, "invalid_request", 900144, $"The request body must contain the following parameter: '{parameter}'.");
}
