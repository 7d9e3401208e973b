using System.Security.Cryptography;
using System.Text;

namespace Dxmig.Extractors.Csv;

/// <summary>
/// A key as 128 bits (the first half of its UTF-8 SHA-256), for the per-key state an extractor keeps across a whole
/// export: a million keys held as strings cost about 80 bytes each and a million objects the collector walks on every
/// full collection; as digests in a dictionary of structs, 44 bytes and no object at all. SHA-256 so that no export,
/// however its ids were chosen, can make two keys meet (two keys agreeing in 128 bits of SHA-256 is not a practical event).
/// </summary>
internal static class KeyDigest
{
    public static UInt128 Of(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var max = Encoding.UTF8.GetMaxByteCount(key.Length);
        Span<byte> utf8 = max <= 512 ? stackalloc byte[max] : new byte[max];
        var length = Encoding.UTF8.GetBytes(key, utf8);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(utf8[..length], hash);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(hash);
    }
}
