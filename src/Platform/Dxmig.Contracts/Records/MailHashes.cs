using System.Security.Cryptography;
using System.Text;

namespace Dxmig.Contracts.Records;

/// <summary>
/// The ledger's content hash of a message: <c>{SHA-256 of the bytes}|{hash of its flags and keywords}</c>. A message's
/// bytes never change under one UID, so a new hash with the same first part is a flags-only change.
/// </summary>
public static class MailHashes
{
    public static string Content(string bodySha256, IEnumerable<string> flags, IEnumerable<string> keywords) =>
        $"{bodySha256}|{FlagsHash(flags, keywords)}";

    public static string FlagsHash(IEnumerable<string> flags, IEnumerable<string> keywords)
    {
        var all = string.Join(' ', flags.Concat(keywords).Order(StringComparer.Ordinal));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(all)))[..16];
    }

    /// <summary>The body part of a ledger hash, or null when it is not a message hash.</summary>
    public static string? BodyOf(string contentHash)
    {
        ArgumentNullException.ThrowIfNull(contentHash);
        var bar = contentHash.IndexOf('|', StringComparison.Ordinal);
        return bar == 64 ? contentHash[..bar] : null;
    }
}
