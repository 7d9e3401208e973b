namespace Dxmig.GraphEmulator.Store;

/// <summary>
/// The emulator's own quickXorHash (the service's file hash for OneDrive for Business and SharePoint), written apart from
/// dxmig's so that a mistake in one shows against the other: three 64-bit cells holding 160 bits, each byte XORed in at
/// a bit position that advances 11 per byte, then the length XORed into the last 8 bytes; base64.
/// </summary>
internal static class QuickXor
{
    public static string Of(byte[] data)
    {
        var cells = new ulong[3];
        var shift = 0;
        foreach (var b in data)
        {
            var cell = shift / 64;
            var offset = shift % 64;
            var cellBits = cell == 2 ? 32 : 64;
            cells[cell] ^= (ulong)b << offset;
            if (offset > cellBits - 8)
            {
                // The byte runs past this cell's top: the rest goes into the bottom of the next cell (wrapping to the first).
                cells[(cell + 1) % 3] ^= (ulong)b >> (cellBits - offset);
            }

            shift = (shift + 11) % 160;
        }

        var bytes = new byte[20];
        BitConverter.GetBytes(cells[0]).CopyTo(bytes, 0);
        BitConverter.GetBytes(cells[1]).CopyTo(bytes, 8);
        Array.Copy(BitConverter.GetBytes(cells[2]), 0, bytes, 16, 4);
        var length = BitConverter.GetBytes((long)data.Length);
        for (var i = 0; i < 8; i++)
        {
            bytes[12 + i] ^= length[i];
        }

        return Convert.ToBase64String(bytes);
    }
}
