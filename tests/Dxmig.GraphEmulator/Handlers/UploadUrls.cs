using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Dxmig.GraphEmulator.Http;

namespace Dxmig.GraphEmulator.Handlers;

/// <summary>What attachment and drive upload sessions share: the uploadSession answer, the Content-Range header, the URL's own token.</summary>
internal static partial class UploadUrls
{
    /// <summary>The uploadSession resource a createUploadSession answers with.</summary>
    public static JsonObject Session(RouteContext c, string url, DateTimeOffset expires) => new()
    {
        ["@odata.context"] = c.Emulator.GraphBase + "/$metadata#microsoft.graph.uploadSession",
        ["uploadUrl"] = url,
        ["expirationDateTime"] = GraphJson.Iso(expires),
        ["nextExpectedRanges"] = new JsonArray("0-"),
    };

    /// <summary>Content-Range <c>bytes {start}-{end}/{total}</c>; 400 with <paramref name="code"/> when it is missing or malformed.</summary>
    public static (long Start, long End, long Total) Range(RouteContext c, string code)
    {
        var range = c.Request.Headers.GetValueOrDefault("Content-Range");
        var m = range is null ? null : ContentRange().Match(range);
        if (m is null || !m.Success)
        {
            throw new GraphErrorException(400, code, "Content-Range is required, in the form 'bytes {start}-{end}/{total}'.");
        }

        return (Number(m, "start"), Number(m, "end"), Number(m, "total"));
    }

    /// <summary>True when the uploadUrl's <c>authtoken</c> is the session's (compared in constant time).</summary>
    public static bool TokenMatches(RouteContext c, string token) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(c.Request.QueryValue("authtoken") ?? ""), Encoding.UTF8.GetBytes(token));

    private static long Number(Match m, string group) => long.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^bytes (?<start>\d{1,15})-(?<end>\d{1,15})/(?<total>\d{1,15})$", RegexOptions.CultureInvariant)]
    private static partial Regex ContentRange();
}
