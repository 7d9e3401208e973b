using System.Security.Cryptography;
using System.Text;

namespace Dxmig.Contracts.Text;

/// <summary>SHA-256 content hashes, as lower-case hex.</summary>
public static class ContentHash
{
    private const char FieldSeparator = '\u001F';

    public static string Of(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>Hash of a canonical record: its fields in order, each length-prefixed so that no two records collide.</summary>
    public static string OfFields(IEnumerable<string?> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        var builder = new StringBuilder();
        foreach (var field in fields)
        {
            var value = field ?? string.Empty;
            builder.Append(value.Length).Append(FieldSeparator).Append(value).Append(FieldSeparator);
        }

        return Of(Encoding.UTF8.GetBytes(builder.ToString()));
    }
}
