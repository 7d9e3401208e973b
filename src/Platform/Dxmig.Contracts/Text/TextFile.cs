namespace Dxmig.Contracts.Text;

/// <summary>A file's text and the encoding it was read in (as <see cref="DetectedEncoding.Name"/> says it).</summary>
public sealed record DecodedText(string Text, string EncodingName);

/// <summary>Where and why a file's bytes do not decode: 1-based line and byte within that line, and the sentence in both languages.</summary>
public sealed record TextDecodeFailure(int Line, int Byte, string Japanese, string English);

/// <summary>
/// Reads a whole text file dxmig is given (a mapping CSV or YAML, a job file) with the encoding
/// <see cref="TextEncodingDetector"/> finds, strictly: text in neither UTF-8 nor CP932 is an error naming the place of
/// the first byte that does not decode, never mojibake.
/// </summary>
public static class TextFile
{
    /// <summary>
    /// The file's text, or null with the reason in <paramref name="diagnostics"/> at <paramref name="display"/>:line:byte.
    /// A file read in another encoding than UTF-8 (CP932, UTF-16) leaves a note saying which.
    /// </summary>
    public static DecodedText? Read(string path, string display, DiagnosticBag diagnostics)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            diagnostics.Error(new SourcePosition(display, 0, 0), $"ファイルを読めません ({ex.GetType().Name})", $"cannot read the file ({ex.GetType().Name})");
            return null;
        }

        var (text, failure) = Decode(bytes);
        if (failure is not null)
        {
            diagnostics.Error(new SourcePosition(display, failure.Line, failure.Byte), failure.Japanese, failure.English);
            return null;
        }

        if (!text!.EncodingName.StartsWith("UTF-8", StringComparison.Ordinal) && !text.EncodingName.Contains("ASCII", StringComparison.Ordinal))
        {
            // CP932 is a guess that can read a Latin-1 file as kanji; saying so lets a person catch that before the run.
            diagnostics.Note(display, $"文字コードを {text.EncodingName.Split(' ')[0]} と判定して読みました", $"read as {text.EncodingName}");
        }

        return text;
    }

    /// <summary>The bytes as text, or where and why they do not decode.</summary>
    public static (DecodedText? Text, TextDecodeFailure? Failure) Decode(ReadOnlySpan<byte> bytes)
    {
        var found = TextEncodingDetector.Detect(bytes, truncated: false);
        var body = bytes[found.PreambleLength..];
        var bad = TextEncodingDetector.FirstUndecodable(found.Encoding, body);
        if (bad is null)
        {
            return (new DecodedText(found.Encoding.GetString(body), found.Name), null);
        }

        // Detection tried UTF-8 first, so a CP932 guess means neither reads: the farther of the two first bad bytes is
        // where the file stops being text in either (a stray byte in UTF-8 text, or a stray byte in CP932 text).
        (string Japanese, string English) tried;
        if (found.PreambleLength == 0 && TextEncodingDetector.FirstUndecodable(JapaneseEncodings.StrictUtf8(), body) is { } utf8Bad)
        {
            bad = Math.Max(bad.Value, utf8Bad);
            tried = ("UTF-8 としても CP932 としても", "as UTF-8 or CP932");
        }
        else
        {
            tried = ($"{found.Name} として", $"as {found.Name}");
        }

        var offset = bad.Value;
        var line = body[..offset].Count((byte)'\n') + 1;
        var column = offset - (body[..offset].LastIndexOf((byte)'\n') + 1) + 1;
        var (value, valueEnglish) = offset < body.Length
            ? ($"0x{body[offset]:X2}", $"0x{body[offset]:X2}")
            : ("最後の文字が途中で切れています", "the last character is cut off");
        return (null, new TextDecodeFailure(
            line,
            column,
            $"このファイルは {tried.Japanese}読めません ({line} 行目 {column} バイト目、{value})。UTF-8 か CP932 (Excel の「CSV (コンマ区切り)」) で保存し直してください",
            $"the text does not decode {tried.English} (line {line}, byte {column}: {valueEnglish}): save the file as UTF-8 or CP932"));
    }
}
