using System.Text;

namespace Dxmig.Contracts.Text;

/// <summary>
/// How a value read from a source export is compared: NFKC (full-width digits and letters narrowed, half-width kana
/// widened) and trimmed. Keys, codes, owners and participants must all be narrowed the same way, or an id the
/// extractor keyed on would not match the same id in a transformer's lookup.
/// </summary>
public static class SourceText
{
    public static string Narrow(string? value) => (value ?? string.Empty).Normalize(NormalizationForm.FormKC).Trim();
}
