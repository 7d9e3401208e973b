using System.Globalization;
using System.Text.RegularExpressions;
using Dxmig.GraphEmulator.Http;

namespace Dxmig.GraphEmulator;

/// <summary>A single-value extended property id as Graph accepts it: <c>{type} 0x{tag}</c>, <c>{type} {guid} Name {name}</c>
/// or <c>{type} {guid} Id 0x{id}</c>. <see cref="Canonical"/> is how responses spell it back (type as given by the
/// MAPI type name, tag and id in lower-case hex without leading zeros, GUID in lower case): Graph does not echo the
/// client's spelling, so clients must compare parsed ids, not strings.</summary>
public sealed partial record ExtendedPropertyId(string Type, int? Tag, Guid? PropertySet, string? Name, int? NamedId)
{
    /// <summary>MAPI types valid for a single-value extended property.</summary>
    private static readonly string[] SingleValueTypes =
    [
        "ApplicationTime", "Binary", "Boolean", "CLSID", "Currency", "Double", "Float", "Integer", "Long", "Object",
        "Short", "String", "SystemTime",
    ];

    /// <summary>Tags whose MAPI type is fixed; giving them another type is refused (Exchange stores by tag and type).</summary>
    private static readonly Dictionary<int, string> KnownTagTypes = new()
    {
        [0x0039] = "SystemTime", // PR_CLIENT_SUBMIT_TIME
        [0x007D] = "String",     // PR_TRANSPORT_MESSAGE_HEADERS
        [0x0E06] = "SystemTime", // PR_MESSAGE_DELIVERY_TIME
        [0x0E07] = "Integer",    // PR_MESSAGE_FLAGS
        [0x0E08] = "Integer",    // PR_MESSAGE_SIZE
        [0x1000] = "String",     // PR_BODY
        [0x1035] = "String",     // PR_INTERNET_MESSAGE_ID
    };

    public string Canonical => Tag is int tag
        ? $"{Type} 0x{tag.ToString("x", CultureInfo.InvariantCulture)}"
        : Name is not null
            ? $"{Type} {{{PropertySet!.Value.ToString("D")}}} Name {Name}"
            : $"{Type} {{{PropertySet!.Value.ToString("D")}}} Id 0x{NamedId!.Value.ToString("x", CultureInfo.InvariantCulture)}";

    /// <summary>Parses an id or answers null.</summary>
    public static ExtendedPropertyId? TryParse(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var m = IdPattern().Match(text.Trim());
        if (!m.Success)
        {
            return null;
        }

        var type = SingleValueTypes.FirstOrDefault(t => string.Equals(t, m.Groups["type"].Value, StringComparison.OrdinalIgnoreCase));
        if (type is null)
        {
            return null;
        }

        if (m.Groups["tag"].Success)
        {
            var tag = int.Parse(m.Groups["tag"].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);

            // 0x8000 and above is the named-property range: such a property only exists through a GUID and a name or id.
            if (tag is 0 or >= 0x8000)
            {
                return null;
            }

            return KnownTagTypes.TryGetValue(tag, out var fixedType) && !string.Equals(fixedType, type, StringComparison.Ordinal)
                ? null
                : new ExtendedPropertyId(type, tag, null, null, null);
        }

        var guid = Guid.Parse(m.Groups["guid"].Value);
        if (m.Groups["name"].Success)
        {
            return new ExtendedPropertyId(type, null, guid, m.Groups["name"].Value, null);
        }

        var id = int.Parse(m.Groups["id"].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return new ExtendedPropertyId(type, null, guid, null, id);
    }

    /// <summary>Parses an id or throws Graph's 400.</summary>
    internal static ExtendedPropertyId Parse(string? text) =>
        TryParse(text) ?? throw new GraphErrorException(400, "ErrorInvalidExtendedProperty",
            $"The extended property id '{text}' is not valid. Use '{{type}} 0x{{tag}}' (tag below 0x8000, with the tag's own type), '{{type}} {{guid}} Name {{name}}' or '{{type}} {{guid}} Id 0x{{id}}'.");

    /// <summary>Checks that a value parses for this property's type (values travel as strings); throws Graph's 400.</summary>
    internal void ValidateValue(string value)
    {
        var ok = Type switch
        {
            "String" => true,
            "Integer" => int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _),
            "Short" => short.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _),
            "Long" or "Currency" => long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _),
            "Double" or "Float" or "ApplicationTime" => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _),
            "Boolean" => value is "true" or "false" or "True" or "False",
            "CLSID" => Guid.TryParse(value, out _),
            "SystemTime" => TryParseSystemTime(value, out _),
            "Binary" or "Object" => IsBase64(value),
            _ => false,
        };
        if (!ok)
        {
            throw new GraphErrorException(400, "ErrorInvalidExtendedPropertyValue",
                $"The value '{Truncate(value)}' is not valid for the extended property '{Canonical}' of type {Type}.");
        }
    }

    /// <summary>ISO 8601 with a date and a time; a value without an offset is taken as UTC, as Exchange does.</summary>
    internal static bool TryParseSystemTime(string value, out DateTimeOffset time) =>
        DateTimeOffset.TryParseExact(value, ["yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mm:ssK"], CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);

    private static bool IsBase64(string value)
    {
        var buffer = new byte[((value.Length * 3) / 4) + 3];
        return Convert.TryFromBase64String(value, buffer, out _);
    }

    private static string Truncate(string s) => s.Length <= 64 ? s : s[..64] + "…";

    [GeneratedRegex(@"^(?<type>[A-Za-z]+)\s+(?:0x(?<tag>[0-9A-Fa-f]{1,4})|\{(?<guid>[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})\}\s+(?:Name\s+(?<name>\S(?:.*\S)?)|Id\s+0x(?<id>[0-9A-Fa-f]{1,8})))$",
        RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();
}
