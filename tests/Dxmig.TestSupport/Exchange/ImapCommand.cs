using System.Globalization;
using System.Text;

namespace Dxmig.TestSupport.Exchange;

internal enum ImapTokenKind
{
    Atom,
    Quoted,
    Literal,
    Open,
    Close,
}

/// <summary>One token of a command: an atom (brackets kept whole: <c>BODY[HEADER.FIELDS (FROM)]</c>), a quoted string
/// (unescaped), a literal, or a parenthesis; <see cref="Depth"/> is the list depth it stands at.</summary>
internal readonly record struct ImapToken(ImapTokenKind Kind, string Text, byte[]? Literal, int Depth)
{
    /// <summary>An atom's, quoted string's or literal's value as text (ISO-8859-1, byte for byte).</summary>
    public string Value => Kind == ImapTokenKind.Literal ? Encoding.Latin1.GetString(Literal!) : Text;

    public bool IsString => Kind is ImapTokenKind.Atom or ImapTokenKind.Quoted or ImapTokenKind.Literal;
}

/// <summary>A line of a command up to a literal (without the <c>{n}</c> marker and CRLF) and that literal, if any.</summary>
internal sealed record ImapCommandPart(byte[] Text, byte[]? Literal);

/// <summary>A whole client command, its literals read, as parts and tokens.</summary>
internal sealed class ImapCommand
{
    public ImapCommand(IReadOnlyList<ImapCommandPart> parts)
    {
        Parts = parts;
        Tokens = Tokenize(parts);
        Tag = Tokens.Count > 0 && Tokens[0].Kind == ImapTokenKind.Atom ? Tokens[0].Text : "";
        var name = Tokens.Count > 1 && Tokens[1].Kind == ImapTokenKind.Atom ? Tokens[1].Text.ToUpperInvariant() : "";
        var first = 2;
        if (name == "UID" && Tokens.Count > 2 && Tokens[2].Kind == ImapTokenKind.Atom)
        {
            name = "UID " + Tokens[2].Text.ToUpperInvariant();
            first = 3;
        }

        Name = name;
        Arguments = Tokens.Skip(first).ToList();
    }

    public IReadOnlyList<ImapCommandPart> Parts { get; }

    public IReadOnlyList<ImapToken> Tokens { get; }

    public string Tag { get; }

    /// <summary>The command name, upper case; <c>UID FETCH</c> and the like for UID commands; empty when unparsable.</summary>
    public string Name { get; }

    public IReadOnlyList<ImapToken> Arguments { get; }

    public int LiteralCount => Parts.Count(p => p.Literal is not null);

    public long LiteralBytes => Parts.Sum(p => (long)(p.Literal?.Length ?? 0));

    /// <summary>The non-synchronizing announcement of a literal: <c>{n+}</c> and CRLF (Dovecot has LITERAL+).</summary>
    public static byte[] LiteralMarker(int length) =>
        Encoding.ASCII.GetBytes("{" + length.ToString(CultureInfo.InvariantCulture) + "+}\r\n");

    /// <summary>Tokens written back as command parts: tokens separated by a space (none inside parentheses' edges),
    /// a quoted string quoted again, each literal ending its part.</summary>
    public static IReadOnlyList<ImapCommandPart> PartsOf(IEnumerable<ImapToken> tokens)
    {
        var parts = new List<ImapCommandPart>();
        var text = new StringBuilder();
        ImapToken? previous = null;
        foreach (var token in tokens)
        {
            if (previous is { } p && p.Kind != ImapTokenKind.Open && token.Kind != ImapTokenKind.Close)
            {
                text.Append(' ');
            }

            switch (token.Kind)
            {
                case ImapTokenKind.Open:
                    text.Append('(');
                    break;
                case ImapTokenKind.Close:
                    text.Append(')');
                    break;
                case ImapTokenKind.Quoted:
                    text.Append('"').Append(token.Text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');
                    break;
                case ImapTokenKind.Literal:
                    parts.Add(new ImapCommandPart(Encoding.Latin1.GetBytes(text.ToString()), token.Literal));
                    text.Clear();
                    break;
                default:
                    text.Append(token.Text);
                    break;
            }

            previous = token;
        }

        parts.Add(new ImapCommandPart(Encoding.Latin1.GetBytes(text.ToString()), null));
        return parts;
    }

    private static List<ImapToken> Tokenize(IReadOnlyList<ImapCommandPart> parts)
    {
        var tokens = new List<ImapToken>();
        var depth = 0;
        foreach (var part in parts)
        {
            var s = Encoding.Latin1.GetString(part.Text);
            var i = 0;
            while (i < s.Length)
            {
                var c = s[i];
                if (c is ' ' or '\r' or '\n')
                {
                    i++;
                }
                else if (c == '(')
                {
                    tokens.Add(new ImapToken(ImapTokenKind.Open, "(", null, depth++));
                    i++;
                }
                else if (c == ')')
                {
                    depth = Math.Max(0, depth - 1);
                    tokens.Add(new ImapToken(ImapTokenKind.Close, ")", null, depth));
                    i++;
                }
                else if (c == '"')
                {
                    var value = new StringBuilder();
                    i++;
                    while (i < s.Length && s[i] != '"')
                    {
                        if (s[i] == '\\' && i + 1 < s.Length)
                        {
                            i++;
                        }

                        value.Append(s[i++]);
                    }

                    i++;
                    tokens.Add(new ImapToken(ImapTokenKind.Quoted, value.ToString(), null, depth));
                }
                else
                {
                    var begin = i;
                    var brackets = 0;
                    while (i < s.Length && (brackets > 0 || (s[i] is not (' ' or '(' or ')' or '\r' or '\n'))))
                    {
                        brackets += s[i] == '[' ? 1 : s[i] == ']' ? -1 : 0;
                        i++;
                    }

                    tokens.Add(new ImapToken(ImapTokenKind.Atom, s[begin..i], null, depth));
                }
            }

            if (part.Literal is { } literal)
            {
                tokens.Add(new ImapToken(ImapTokenKind.Literal, "", literal, depth));
            }
        }

        return tokens;
    }
}
