using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Dxmig.GraphEmulator.Http;

/// <summary>The OData query options the emulator serves: $select, $top, $skip/$skiptoken, $filter (the forms dxmig
/// needs), $expand of extended properties and attachments, $count. An option it does not serve is refused with 400
/// rather than ignored, so a client never believes a filter or an order was applied when it was not.</summary>
internal static partial class ODataQuery
{
    private static readonly HashSet<string> ServedOptions = new(StringComparer.OrdinalIgnoreCase)
    {
        "$select", "$top", "$skip", "$skiptoken", "$filter", "$expand", "$count",
    };

    /// <summary>Refuses $-options this emulator does not serve ($orderby, $search, …).</summary>
    public static void RejectUnserved(GraphRequest request)
    {
        foreach (var key in request.Query.Keys)
        {
            if (key.StartsWith('$') && !ServedOptions.Contains(key))
            {
                throw GraphErrorException.InvalidQuery($"The query option '{key}' is not supported by the Graph emulator.");
            }
        }
    }

    public static int Top(GraphRequest request, int defaultTop, int maxTop)
    {
        var text = request.QueryValue("$top");
        if (text is null)
        {
            return defaultTop;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var top) || top < 1)
        {
            throw GraphErrorException.InvalidQuery($"Invalid value '{text}' for $top.");
        }

        if (top > maxTop)
        {
            throw GraphErrorException.InvalidQuery($"The limit of '{maxTop}' for Top query has been exceeded. The value from the incoming request is '{top}'.");
        }

        return top;
    }

    public static int Skip(GraphRequest request)
    {
        var token = request.QueryValue("$skiptoken");
        if (token is not null)
        {
            try
            {
                var text = Encoding.UTF8.GetString(Convert.FromBase64String(token));
                if (text.StartsWith("skip:", StringComparison.Ordinal) && int.TryParse(text.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out var s))
                {
                    return s;
                }
            }
            catch (FormatException)
            {
            }

            throw GraphErrorException.InvalidQuery("The $skiptoken is not valid.");
        }

        var skip = request.QueryValue("$skip");
        if (skip is null)
        {
            return 0;
        }

        return int.TryParse(skip, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw GraphErrorException.InvalidQuery($"Invalid value '{skip}' for $skip.");
    }

    /// <summary>One page of a collection, with @odata.nextLink (absolute, carrying the other options and a
    /// $skiptoken) when more remain, and @odata.count when $count=true.</summary>
    public static JsonObject Page<T>(RouteContext c, IReadOnlyList<T> items, int defaultTop, int maxTop, Func<T, JsonNode> render)
    {
        var request = c.Request;
        var top = Top(request, defaultTop, maxTop);
        var skip = Skip(request);
        var page = new JsonArray(items.Skip(skip).Take(top).Select(render).ToArray());
        var result = new JsonObject();
        if (string.Equals(request.QueryValue("$count"), "true", StringComparison.OrdinalIgnoreCase))
        {
            result["@odata.count"] = items.Count;
        }

        result["value"] = page;
        if (skip + top < items.Count)
        {
            var query = request.Query
                .Where(kv => !kv.Key.Equals("$skiptoken", StringComparison.OrdinalIgnoreCase) && !kv.Key.Equals("$skip", StringComparison.OrdinalIgnoreCase))
                .Select(kv => kv.Key + "=" + Uri.EscapeDataString(kv.Value))
                .Append("$skiptoken=" + Uri.EscapeDataString(Convert.ToBase64String(Encoding.UTF8.GetBytes("skip:" + (skip + top).ToString(CultureInfo.InvariantCulture)))));
            result["@odata.nextLink"] = c.Emulator.GraphBase + EscapePath(request.Path) + "?" + string.Join('&', query);
        }

        return result;
    }

    /// <summary>The $select set (property names as given), or null when there is none. Unknown names are refused.</summary>
    public static HashSet<string>? Select(GraphRequest request, IReadOnlySet<string> selectable, string type)
    {
        var text = request.QueryValue("$select");
        if (text is null)
        {
            return null;
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var raw in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var known = selectable.FirstOrDefault(s => s.Equals(raw, StringComparison.OrdinalIgnoreCase))
                        ?? throw new GraphErrorException(400, "RequestBroker--ParseUri", $"Could not find a property named '{raw}' on type '{type}'.");
            names.Add(known);
        }

        return names;
    }

    /// <summary>Parses $filter into terms that must all hold. Served forms:
    /// <c>prop eq 'text'</c> for the properties the caller allows,
    /// <c>singleValueExtendedProperties/any(ep: ep/id eq '…' and ep/value eq '…')</c>,
    /// <c>emailAddresses/any(a: a/address eq '…')</c> (contacts), joined by <c>and</c>.</summary>
    public static IReadOnlyList<FilterTerm> Filter(GraphRequest request, IReadOnlySet<string> equalityProperties)
    {
        var text = request.QueryValue("$filter");
        if (text is null)
        {
            return [];
        }

        var terms = new List<FilterTerm>();
        var rest = text.Trim();
        while (true)
        {
            Match m;
            if ((m = ExtendedPropertyAny().Match(rest)).Success)
            {
                var id = ExtendedPropertyId.TryParse(Unquote(m.Groups["id"].Value))
                         ?? throw new GraphErrorException(400, "ErrorInvalidExtendedProperty", $"The extended property id in the filter is not valid: '{Unquote(m.Groups["id"].Value)}'.");
                terms.Add(new ExtendedPropertyTerm(id, Unquote(m.Groups["value"].Value)));
            }
            else if ((m = EmailAddressAny().Match(rest)).Success && equalityProperties.Contains("emailAddresses"))
            {
                terms.Add(new EmailAddressTerm(Unquote(m.Groups["value"].Value)));
            }
            else if ((m = PropertyEquals().Match(rest)).Success && equalityProperties.Contains(m.Groups["prop"].Value))
            {
                terms.Add(new EqualsTerm(m.Groups["prop"].Value, Unquote(m.Groups["value"].Value)));
            }
            else
            {
                throw GraphErrorException.InvalidQuery($"Invalid filter clause: the Graph emulator does not serve '{rest}'.");
            }

            rest = rest[m.Length..].TrimStart();
            if (rest.Length == 0)
            {
                return terms;
            }

            var and = AndJoin().Match(rest);
            if (!and.Success)
            {
                throw GraphErrorException.InvalidQuery($"Invalid filter clause near '{rest}'.");
            }

            rest = rest[and.Length..];
        }
    }

    /// <summary>Parses $expand: <c>singleValueExtendedProperties($filter=id eq '…' [or id eq '…'])</c> and
    /// <c>attachments</c>. Graph documents the extended-property expansion only with a filter on id.</summary>
    public static (IReadOnlyList<ExtendedPropertyId>? Extended, bool Attachments) Expand(GraphRequest request, bool attachmentsAllowed)
    {
        var text = request.QueryValue("$expand");
        if (text is null)
        {
            return (null, false);
        }

        List<ExtendedPropertyId>? extended = null;
        var attachments = false;
        foreach (var part in SplitTopLevel(text))
        {
            if (attachmentsAllowed && part.Equals("attachments", StringComparison.OrdinalIgnoreCase))
            {
                attachments = true;
                continue;
            }

            var m = ExpandExtended().Match(part);
            if (!m.Success)
            {
                throw GraphErrorException.InvalidQuery($"The $expand '{part}' is not served by the Graph emulator (singleValueExtendedProperties($filter=id eq '…') or attachments).");
            }

            extended ??= [];
            foreach (Match id in IdEquals().Matches(m.Groups["filter"].Value))
            {
                extended.Add(ExtendedPropertyId.Parse(Unquote(id.Groups["id"].Value)));
            }

            if (extended.Count == 0)
            {
                throw GraphErrorException.InvalidQuery("singleValueExtendedProperties must be expanded with $filter=id eq '…'.");
            }
        }

        return (extended, attachments);
    }

    private static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
                case ',' when depth == 0:
                    yield return text[start..i].Trim();
                    start = i + 1;
                    break;
            }
        }

        yield return text[start..].Trim();
    }

    private static string Unquote(string quoted) => quoted.Replace("''", "'", StringComparison.Ordinal);

    private static string EscapePath(string path) => string.Join('/', path.Split('/').Select(Uri.EscapeDataString));

    [GeneratedRegex(@"^singleValueExtendedProperties/any\(\s*(?<v>\w+)\s*:\s*\k<v>/id\s+eq\s+'(?<id>(?:[^']|'')*)'\s+and\s+\k<v>/value\s+eq\s+'(?<value>(?:[^']|'')*)'\s*\)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ExtendedPropertyAny();

    [GeneratedRegex(@"^emailAddresses/any\(\s*(?<v>\w+)\s*:\s*\k<v>/address\s+eq\s+'(?<value>(?:[^']|'')*)'\s*\)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex EmailAddressAny();

    [GeneratedRegex(@"^(?<prop>[A-Za-z]+)\s+eq\s+'(?<value>(?:[^']|'')*)'", RegexOptions.CultureInvariant)]
    private static partial Regex PropertyEquals();

    [GeneratedRegex(@"^and\s+", RegexOptions.CultureInvariant)]
    private static partial Regex AndJoin();

    [GeneratedRegex(@"^singleValueExtendedProperties\(\$filter=(?<filter>.*)\)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ExpandExtended();

    [GeneratedRegex(@"id\s+eq\s+'(?<id>(?:[^']|'')*)'", RegexOptions.CultureInvariant)]
    private static partial Regex IdEquals();
}

/// <summary>One condition of a $filter.</summary>
internal abstract record FilterTerm;

/// <summary><c>prop eq 'value'</c>, compared ordinally (Exchange's case rules for restrictions are not documented).</summary>
internal sealed record EqualsTerm(string Property, string Value) : FilterTerm;

/// <summary>An extended property with this id has exactly this value.</summary>
internal sealed record ExtendedPropertyTerm(ExtendedPropertyId Id, string Value) : FilterTerm;

/// <summary>One of a contact's e-mail addresses is this one (case-insensitive, as addresses are).</summary>
internal sealed record EmailAddressTerm(string Address) : FilterTerm;
