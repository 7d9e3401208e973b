namespace Dxmig.Contracts.Text;

/// <summary>
/// The hash OneDrive for Business and SharePoint show for a file (<c>file.hashes.quickXorHash</c>, base64): every byte
/// XORed into a 160-bit register at a position that moves 11 bits per byte (wrapping at 160), then the length in bytes
/// (64-bit little-endian) XORed into the register's last 8 bytes. Not cryptographic: it only tells whether the bytes on
/// the target are the bytes dxmig has, without downloading them. Fed in pieces, so a file is streamed once.
/// </summary>
public sealed class QuickXorHash
{
    private const int WidthBits = 160;
    private const int Shift = 11;
    private readonly byte[] register = new byte[WidthBits / 8];
    private long length;
    private int position;

    /// <summary>Adds the next bytes.</summary>
    public void Append(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            var index = position >> 3;
            var offset = position & 7;
            register[index] ^= (byte)(b << offset);
            if (offset > 0)
            {
                register[(index + 1) % register.Length] ^= (byte)(b >> (8 - offset));
            }

            position = (position + Shift) % WidthBits;
        }

        length += bytes.Length;
    }

    /// <summary>The hash of everything added, base64 as Graph shows it.</summary>
    public string ToBase64()
    {
        var result = (byte[])register.Clone();
        Span<byte> count = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(count, length);
        for (var i = 0; i < 8; i++)
        {
            result[result.Length - 8 + i] ^= count[i];
        }

        return Convert.ToBase64String(result);
    }

    /// <summary>The hash of a whole buffer.</summary>
    public static string Of(ReadOnlySpan<byte> bytes)
    {
        var hash = new QuickXorHash();
        hash.Append(bytes);
        return hash.ToBase64();
    }
}
