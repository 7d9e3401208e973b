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
    private static readonly byte[] CrLf = "\r\n"u8.ToArray();

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

    /// <summary>The command as sent upstream: every literal non-synchronizing (<c>{n+}</c>; Dovecot has LITERAL+).</summary>
    public byte[] ToUpstreamBytes()
    {
        using var output = new MemoryStream();
        foreach (var part in Parts)
        {
            output.Write(part.Text);
            if (part.Literal is { } literal)
            {
                WriteLiteral(output, literal);
            }
        }

        output.Write(CrLf);
        return output.ToArray();
    }

    /// <summary>Tokens written back as a command line (literals non-synchronizing), CRLF at the end.</summary>
    public static byte[] Serialize(IEnumerable<ImapToken> tokens)
    {
        using var output = new MemoryStream();
        ImapToken? previous = null;
        foreach (var token in tokens)
        {
            if (previous is { } p && p.Kind != ImapTokenKind.Open && token.Kind != ImapTokenKind.Close)
            {
                output.WriteByte((byte)' ');
            }

            switch (token.Kind)
            {
                case ImapTokenKind.Open:
                    output.WriteByte((byte)'(');
                    break;
                case ImapTokenKind.Close:
                    output.WriteByte((byte)')');
                    break;
                case ImapTokenKind.Quoted:
                    output.Write(Encoding.Latin1.GetBytes("\"" + token.Text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\""));
                    break;
                case ImapTokenKind.Literal:
                    WriteLiteral(output, token.Literal!);
                    break;
                default:
                    output.Write(Encoding.Latin1.GetBytes(token.Text));
                    break;
            }

            previous = token;
        }

        output.Write(CrLf);
        return output.ToArray();
    }

    private static void WriteLiteral(MemoryStream output, byte[] literal)
    {
        output.Write(Encoding.ASCII.GetBytes("{" + literal.Length.ToString(CultureInfo.InvariantCulture) + "+}\r\n"));
        output.Write(literal);
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
