using System.Text;

namespace Dxmig.Contracts.Text;

/// <summary>
/// The legacy code pages Japanese data needs. .NET has none of them until the code-page provider is registered;
/// <see cref="EnsureRegistered"/> is called once at start by every entry point.
/// </summary>
public static class JapaneseEncodings
{
    /// <summary>Windows-31J / CP932: Shift_JIS with the NEC and IBM extensions (①, ㈱, 髙) and the 外字 area.</summary>
    public const int Cp932CodePage = 932;

    /// <summary>
    /// Registers the code-page provider. Safe from any number of threads: a thread that arrives while another is registering
    /// waits for it (type initialisation), so no caller can go on to ask for CP932 or ISO-2022-JP before the provider is there.
    /// MimeKit remembers a charset it could not find, so a single early miss would spoil every later message of the process.
    /// </summary>
    public static void EnsureRegistered() => Registration.Touch();

    /// <summary>Runs when this assembly is first used, before any of its code asks MimeKit to decode a Japanese charset.</summary>
    [System.Runtime.CompilerServices.ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "Registering the code-page provider is process-wide by nature and must precede any decoding.")]
    internal static void RegisterAtLoad() => Registration.Touch();

    private static class Registration
    {
        static Registration()
        {
            // CP932 first (Microsoft's table, NEC-selected IBM rows included), then every other legacy code page.
            Encoding.RegisterProvider(new Cp932Provider());
            Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        }

        internal static void Touch()
        {
        }
    }

    /// <summary>
    /// CP932 as Microsoft's table decodes it (<see cref="Cp932Encoding"/>), throwing on bytes it cannot decode, so a bad
    /// row is found rather than turned into U+FFFD.
    /// </summary>
    public static Encoding StrictCp932() => new Cp932Encoding(EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);

    /// <summary>UTF-8 that throws on invalid sequences.</summary>
    public static Encoding StrictUtf8() => new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>True for characters of the private-use area, where CP932 外字 (0xF040–0xF9FC) land.</summary>
    public static bool IsPrivateUse(char c) => c is >= '\uE000' and <= '\uF8FF';
}
