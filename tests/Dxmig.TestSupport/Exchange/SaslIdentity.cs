using System.Text;

namespace Dxmig.TestSupport.Exchange;

/// <summary>The user (and OAuth access token) an AUTHENTICATE names in its first client response.</summary>
internal sealed record SaslIdentity(string User, string? Token)
{
    /// <summary>
    /// Decodes a base64 client response of PLAIN (<c>authzid\0authcid\0password</c>: the authzid, else the authcid),
    /// LOGIN (the user name), XOAUTH2 (<c>user=U\x01auth=Bearer T\x01\x01</c>) or OAUTHBEARER
    /// (<c>n,a=U,\x01auth=Bearer T\x01\x01</c>); null when it is none of them or not base64.
    /// </summary>
    public static SaslIdentity? Decode(string mechanism, string base64)
    {
        string text;
        try
        {
            text = Encoding.UTF8.GetString(Convert.FromBase64String(base64.Trim()));
        }
        catch (FormatException)
        {
            return null;
        }

        switch (mechanism)
        {
            case "PLAIN":
                var fields = text.Split('\0');
                return fields.Length == 3 ? new SaslIdentity(fields[0].Length > 0 ? fields[0] : fields[1], null) : null;
            case "LOGIN":
                return text.Length > 0 ? new SaslIdentity(text, null) : null;
            case "XOAUTH2":
            {
                var pairs = text.Split('\x01');
                var user = pairs.FirstOrDefault(p => p.StartsWith("user=", StringComparison.Ordinal))?["user=".Length..];
                return user is null ? null : new SaslIdentity(user, Bearer(pairs));
            }

            case "OAUTHBEARER":
            {
                var pairs = text.Split('\x01');
                var gs2 = pairs[0].Split(',');
                var user = gs2.FirstOrDefault(p => p.StartsWith("a=", StringComparison.Ordinal))?["a=".Length..]
                    .Replace("=2C", ",", StringComparison.Ordinal).Replace("=3D", "=", StringComparison.Ordinal);
                return user is null ? null : new SaslIdentity(user, Bearer(pairs));
            }

            default:
                return null;
        }

        static string? Bearer(string[] pairs) =>
            pairs.FirstOrDefault(p => p.StartsWith("auth=Bearer ", StringComparison.OrdinalIgnoreCase))?["auth=Bearer ".Length..];
    }
}
