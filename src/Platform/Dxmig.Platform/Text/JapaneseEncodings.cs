using System.Text;

namespace Dxmig.Platform.Text;

/// <summary>
/// The legacy code pages Japanese data needs. .NET has none of them until the code-page provider is registered;
/// <see cref="EnsureRegistered"/> is called once at start by every entry point.
/// </summary>
public static class JapaneseEncodings
{
    /// <summary>Windows-31J / CP932: Shift_JIS with the NEC and IBM extensions (①, ㈱, 髙) and the 外字 area.</summary>
    public const int Cp932CodePage = 932;

    private static int registered;

    public static void EnsureRegistered()
    {
        if (Interlocked.Exchange(ref registered, 1) == 0)
        {
            Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        }
    }

    /// <summary>CP932 that throws on bytes it cannot decode, so a bad row is found rather than turned into U+FFFD.</summary>
    public static Encoding StrictCp932()
    {
        EnsureRegistered();
        return Encoding.GetEncoding(Cp932CodePage, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);
    }

    /// <summary>UTF-8 that throws on invalid sequences.</summary>
    public static Encoding StrictUtf8() => new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>True for characters of the private-use area, where CP932 外字 (0xF040–0xF9FC) land.</summary>
    public static bool IsPrivateUse(char c) => c is >= '\uE000' and <= '\uF8FF';
}
