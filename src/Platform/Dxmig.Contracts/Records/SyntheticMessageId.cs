using System.Security.Cryptography;
using System.Text;

namespace Dxmig.Contracts.Records;

/// <summary>
/// The Message-ID dxmig gives a message that has none when it goes by Graph beside IMAP (<c>route: imap-first</c>):
/// Exchange would give it a random one, which no reconciliation could match; this one is derived from the message's
/// source key, so the reconciler, reading the mailbox by IMAP, knows it.
/// </summary>
public static class SyntheticMessageId
{
    /// <summary>The Message-ID (without angle brackets) for a source key.</summary>
    public static string For(string sourceKey)
    {
        ArgumentNullException.ThrowIfNull(sourceKey);
        return $"dxmig.{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sourceKey)))[..32]}@migrated.invalid";
    }
}
