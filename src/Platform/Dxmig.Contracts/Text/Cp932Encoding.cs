using System.Text;

namespace Dxmig.Contracts.Text;

/// <summary>
/// CP932 (Windows-31J) decoded as Microsoft's own CP932 table decodes it. .NET's code page 932 refuses the
/// NEC-selected IBM extension rows <c>0xED40–0xEEFC</c> (髙 = <c>0xEEE0</c>, 﨑 = <c>0xED95</c>), which Microsoft's table
/// maps to the same characters as the IBM extension rows <c>0xFA40–0xFC4B</c>; some writers produce them. Those pairs
/// are read as their IBM twins (the correspondence is positional: <c>ED40…EEEC</c> ↔ <c>FA5C…FC4B</c>, <c>EEEF…EEF8</c> ↔
/// <c>FA40…FA49</c>, <c>EEF9…EEFC</c> ↔ <c>FA54…FA57</c>), everything else by .NET's table. The single bytes
/// <c>0x80</c>, <c>0xA0</c> and <c>0xFD–0xFF</c>, which Windows maps only as a best fit (U+0080, private use), are not
/// text: the decoder's fallback gets them. Encoding is .NET's (the IBM rows, as Windows writes them).
/// </summary>
public sealed class Cp932Encoding : Encoding
{
    /// <summary>Per two-byte sequence (lead × 256 + trail), the sequence .NET decodes to the same character; 0 when none is needed.</summary>
    private static readonly ushort[] Twins = BuildTwins();
    private readonly Encoding inner;

    public Cp932Encoding(EncoderFallback encoderFallback, DecoderFallback decoderFallback)
        : base(JapaneseEncodings.Cp932CodePage, encoderFallback, decoderFallback)
    {
        JapaneseEncodings.EnsureRegistered();
        inner = CodePagesEncodingProvider.Instance.GetEncoding(JapaneseEncodings.Cp932CodePage, encoderFallback, decoderFallback)
            ?? throw new InvalidOperationException("code page 932 is not available");
    }

    public override string WebName => "shift_jis";

    public override string EncodingName => "Japanese (Shift-JIS, Microsoft CP932)";

    public override bool IsSingleByte => false;

    public override int GetByteCount(char[] chars, int index, int count) => inner.GetByteCount(chars, index, count);

    public override int GetBytes(char[] chars, int charIndex, int charCount, byte[] bytes, int byteIndex) =>
        inner.GetBytes(chars, charIndex, charCount, bytes, byteIndex);

    public override int GetCharCount(byte[] bytes, int index, int count)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var translated = Translate(bytes.AsSpan(index, count), out var bad);
        return bad is null ? inner.GetCharCount(translated) : CountWithFallback(translated, bad);
    }

    public override int GetChars(byte[] bytes, int byteIndex, int byteCount, char[] chars, int charIndex)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var translated = Translate(bytes.AsSpan(byteIndex, byteCount), out var bad);
        if (bad is null)
        {
            return inner.GetChars(translated, 0, translated.Length, chars, charIndex);
        }

        var text = DecodeWithFallback(translated, bad);
        text.CopyTo(0, chars, charIndex, text.Length);
        return text.Length;
    }

    /// <summary>The common case first: bytes with nothing to translate go straight to .NET's decoder, with no copy.</summary>
    public override unsafe int GetCharCount(byte* bytes, int count)
    {
        var span = new ReadOnlySpan<byte>(bytes, count);
        return NeedsTranslation(span) ? GetCharCount(span.ToArray(), 0, count) : inner.GetCharCount(bytes, count);
    }

    public override unsafe int GetChars(byte* bytes, int byteCount, char* chars, int charCount)
    {
        var span = new ReadOnlySpan<byte>(bytes, byteCount);
        if (!NeedsTranslation(span))
        {
            return inner.GetChars(bytes, byteCount, chars, charCount);
        }

        var text = GetString(span.ToArray());
        if (text.Length > charCount)
        {
            throw new ArgumentException("the output buffer is too small", nameof(charCount));
        }

        text.AsSpan().CopyTo(new Span<char>(chars, charCount));
        return text.Length;
    }

    public override int GetMaxByteCount(int charCount) => inner.GetMaxByteCount(charCount);

    public override int GetMaxCharCount(int byteCount) => inner.GetMaxCharCount(byteCount);

    public override Decoder GetDecoder() => new Cp932Decoder(this);

    public override Encoder GetEncoder() => inner.GetEncoder();

    public override object Clone() => new Cp932Encoding(EncoderFallback, DecoderFallback);

    /// <summary>Whether any pair has a twin to read instead, or any single byte is not text.</summary>
    private static bool NeedsTranslation(ReadOnlySpan<byte> bytes)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            var b = bytes[i];
            if (b < 0x80)
            {
                continue;
            }

            if (IsLead(b) && i + 1 < bytes.Length && IsTrail(bytes[i + 1]))
            {
                if (Twins[(b << 8) | bytes[i + 1]] != 0)
                {
                    return true;
                }

                i++;
            }
            else if (IsNotText(b))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether <paramref name="b"/> starts a two-byte sequence.</summary>
    private static bool IsLead(byte b) => b is >= 0x81 and <= 0x9F or >= 0xE0 and <= 0xFC;

    private static bool IsTrail(byte b) => b is >= 0x40 and <= 0x7E or >= 0x80 and <= 0xFC;

    /// <summary>Single bytes Windows maps only as a best fit: damage, not text.</summary>
    private static bool IsNotText(byte b) => b is 0x80 or 0xA0 or >= 0xFD;

    /// <summary>
    /// The bytes with every NEC-selected IBM pair replaced by its IBM twin; <paramref name="bad"/> lists the offsets of
    /// single bytes that are not text (null when none).
    /// </summary>
    private static byte[] Translate(ReadOnlySpan<byte> bytes, out List<int>? bad)
    {
        bad = null;
        var copy = bytes.ToArray();
        for (var i = 0; i < copy.Length; i++)
        {
            var b = copy[i];
            if (IsLead(b) && i + 1 < copy.Length && IsTrail(copy[i + 1]))
            {
                if (Twins[(b << 8) | copy[i + 1]] is var twin and not 0)
                {
                    copy[i] = (byte)(twin >> 8);
                    copy[i + 1] = (byte)twin;
                }

                i++;
            }
            else if (IsNotText(b))
            {
                (bad ??= []).Add(i);
            }
        }

        return copy;
    }

    private int CountWithFallback(byte[] translated, List<int> bad) => DecodeWithFallback(translated, bad).Length;

    /// <summary>Decodes the parts between the bytes that are not text, and hands each of those to the decoder fallback.</summary>
    private string DecodeWithFallback(byte[] translated, List<int> bad)
    {
        var text = new StringBuilder();
        var start = 0;
        foreach (var index in bad)
        {
            text.Append(inner.GetString(translated, start, index - start));
            var buffer = DecoderFallback.CreateFallbackBuffer();
            if (buffer.Fallback([translated[index]], index))
            {
                while (buffer.Remaining > 0)
                {
                    text.Append(buffer.GetNextChar());
                }
            }

            start = index + 1;
        }

        text.Append(inner.GetString(translated, start, translated.Length - start));
        return text.ToString();
    }

    /// <summary>
    /// The sequences .NET refuses that Microsoft's table decodes, each to a twin .NET decodes to the same character: the
    /// NEC-selected IBM rows to the IBM rows (by position), and the duplicates .NET leaves out of its table because they
    /// do not round-trip — NEC row 13's copies of JIS symbols (≒ ≡ ∫ √ ⊥ ∠ ∵ ∩ ∪) and the IBM rows' copies of NEC
    /// row 13 and of ￢ (Ⅰ–Ⅹ, ㈱ № ℡ ∵).
    /// </summary>
    private static ushort[] BuildTwins()
    {
        static IEnumerable<int> Pairs(int firstLead, int lastLead) =>
            from lead in Enumerable.Range(firstLead, lastLead - firstLead + 1)
            from trail in Enumerable.Range(0x40, 0xFC - 0x40 + 1)
            where IsTrail((byte)trail)
            select (lead << 8) | trail;

        var twins = new Dictionary<int, int>();
        void Map(IEnumerable<int> from, IEnumerable<int> to)
        {
            foreach (var (a, b) in from.Zip(to, (a, b) => (a, b)))
            {
                twins[a] = b;
            }
        }

        var nec = Pairs(0xED, 0xEE).ToList();
        var ibm = Pairs(0xFA, 0xFC).ToList();
        Map(nec.Where(p => p <= 0xEEEC), ibm.Where(p => p is >= 0xFA5C and <= 0xFC4B));
        Map(nec.Where(p => p is >= 0xEEEF and <= 0xEEF8), ibm.Where(p => p is >= 0xFA40 and <= 0xFA49));
        Map(nec.Where(p => p is >= 0xEEF9 and <= 0xEEFC), ibm.Where(p => p is >= 0xFA54 and <= 0xFA57));
        Map([0x8790, 0x8791, 0x8792, 0x8795, 0x8796, 0x8797, 0x879A, 0x879B, 0x879C], [0x81E0, 0x81DF, 0x81E7, 0x81E3, 0x81DB, 0x81DA, 0x81E6, 0x81BF, 0x81BE]);
        Map(Enumerable.Range(0xFA4A, 10), Enumerable.Range(0x8754, 10));
        Map([0xFA54, 0xFA58, 0xFA59, 0xFA5A, 0xFA5B], [0x81CA, 0x878A, 0x8782, 0x8784, 0x81E6]);

        var table = new ushort[65536];
        foreach (var (from, first) in twins)
        {
            var to = first;
            while (twins.TryGetValue(to, out var next))
            {
                to = next;
            }

            table[from] = (ushort)to;
        }

        return table;
    }

    /// <summary>A decoder that keeps a lead byte split from its trail across calls.</summary>
    private sealed class Cp932Decoder(Cp932Encoding encoding) : Decoder
    {
        private byte? pendingLead;

        public override int GetCharCount(byte[] bytes, int index, int count) => GetCharCount(bytes, index, count, flush: false);

        public override int GetCharCount(byte[] bytes, int index, int count, bool flush)
        {
            var (whole, _) = Whole(bytes, index, count, flush, commit: false);
            return whole.Length == 0 ? 0 : encoding.GetCharCount(whole, 0, whole.Length);
        }

        public override int GetChars(byte[] bytes, int byteIndex, int byteCount, char[] chars, int charIndex) =>
            GetChars(bytes, byteIndex, byteCount, chars, charIndex, flush: false);

        public override int GetChars(byte[] bytes, int byteIndex, int byteCount, char[] chars, int charIndex, bool flush)
        {
            var (whole, _) = Whole(bytes, byteIndex, byteCount, flush, commit: true);
            return whole.Length == 0 ? 0 : encoding.GetChars(whole, 0, whole.Length, chars, charIndex);
        }

        public override void Reset() => pendingLead = null;

        /// <summary>The bytes that form whole sequences now (with a lead byte kept from the last call); a lead byte at the end waits unless flushing.</summary>
        private (byte[] Whole, byte? Kept) Whole(byte[] bytes, int index, int count, bool flush, bool commit)
        {
            ArgumentNullException.ThrowIfNull(bytes);
            var all = new List<byte>(count + 1);
            if (pendingLead is { } lead)
            {
                all.Add(lead);
            }

            all.AddRange(bytes.AsSpan(index, count).ToArray());
            byte? kept = null;
            var i = 0;
            while (i < all.Count)
            {
                if (IsLead(all[i]))
                {
                    if (i + 1 >= all.Count)
                    {
                        if (!flush)
                        {
                            kept = all[i];
                            all.RemoveAt(i);
                        }

                        break;
                    }

                    i += 2;
                }
                else
                {
                    i++;
                }
            }

            if (commit)
            {
                pendingLead = kept;
            }

            return ([.. all], kept);
        }
    }
}

/// <summary>
/// Answers code page 932 and its names (shift_jis, windows-31j, cp932 …) with <see cref="Cp932Encoding"/>, so that every
/// decoder in the process that asks .NET for CP932 by number or name (MimeKit's charset handling among them) reads the
/// NEC-selected IBM rows too. Registered before the code-page provider, which answers everything else.
/// </summary>
internal sealed class Cp932Provider : EncodingProvider
{
    private static readonly HashSet<string> Names = new(StringComparer.OrdinalIgnoreCase)
    {
        "shift_jis", "shift-jis", "sjis", "x-sjis", "ms_kanji", "csshiftjis", "windows-31j", "cp932", "ms932", "x-ms-cp932", "windows-932",
    };

    public override Encoding? GetEncoding(int codepage) =>
        codepage == JapaneseEncodings.Cp932CodePage ? new Cp932Encoding(EncoderFallback.ReplacementFallback, DecoderFallback.ReplacementFallback) : null;

    public override Encoding? GetEncoding(string name) => Names.Contains(name) ? GetEncoding(JapaneseEncodings.Cp932CodePage) : null;

    public override Encoding? GetEncoding(int codepage, EncoderFallback encoderFallback, DecoderFallback decoderFallback) =>
        codepage == JapaneseEncodings.Cp932CodePage ? new Cp932Encoding(encoderFallback, decoderFallback) : null;

    public override Encoding? GetEncoding(string name, EncoderFallback encoderFallback, DecoderFallback decoderFallback) =>
        Names.Contains(name) ? new Cp932Encoding(encoderFallback, decoderFallback) : null;
}
