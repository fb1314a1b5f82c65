using System.Text;

namespace OmniFlow.TemporalServer.Visibility;

internal enum TokenKind { Word, QuotedName, String, Number, Operator, LeftParen, RightParen, Comma, End }

/// <summary>A lexical token; <see cref="Position"/> is the 1-based character position of its first character.</summary>
internal sealed record Token(TokenKind Kind, string Text, int Position)
{
    public bool Is(string keyword) =>
        Kind == TokenKind.Word && string.Equals(Text, keyword, StringComparison.OrdinalIgnoreCase);

    public string Describe() => Kind switch
    {
        TokenKind.End => "end of query",
        TokenKind.String => $"string '{Text}'",
        TokenKind.QuotedName => $"`{Text}`",
        _ => $"'{Text}'",
    };
}

/// <summary>Splits a list filter into words, quoted names, strings, numbers, operators and punctuation.</summary>
internal sealed class Tokenizer(string text)
{
    private int index;

    public static IReadOnlyList<Token> Tokenize(string text) => new Tokenizer(text).ReadAll();

    private List<Token> ReadAll()
    {
        var tokens = new List<Token>();
        while (true)
        {
            while (index < text.Length && char.IsWhiteSpace(text[index]))
            {
                index++;
            }
            if (index == text.Length)
            {
                tokens.Add(new Token(TokenKind.End, "", index + 1));
                return tokens;
            }
            tokens.Add(ReadToken());
        }
    }

    private Token ReadToken()
    {
        var start = index;
        var c = text[index];
        return c switch
        {
            '(' => Single(TokenKind.LeftParen),
            ')' => Single(TokenKind.RightParen),
            ',' => Single(TokenKind.Comma),
            '\'' or '"' => new Token(TokenKind.String, ReadQuoted(c, "string"), start + 1),
            '`' => new Token(TokenKind.QuotedName, ReadQuoted(c, "quoted name"), start + 1),
            '=' or '<' or '>' or '!' => ReadOperator(),
            _ when char.IsDigit(c) || (c is '-' or '.' && index + 1 < text.Length && char.IsDigit(text[index + 1])) => ReadNumber(),
            _ when char.IsLetter(c) || c == '_' => ReadWhile(TokenKind.Word, static ch => char.IsLetterOrDigit(ch) || ch == '_'),
            _ => throw new VisibilityQueryException($"invalid query: unexpected character '{c}' at position {start + 1}", start + 1),
        };
    }

    private Token Single(TokenKind kind)
    {
        var token = new Token(kind, text[index].ToString(), index + 1);
        index++;
        return token;
    }

    private Token ReadOperator()
    {
        var start = index;
        var two = index + 1 < text.Length ? text.Substring(index, 2) : "";
        var op = two is "!=" or "<>" or "<=" or ">=" ? two : text[index].ToString();
        if (op == "!")
        {
            throw new VisibilityQueryException($"invalid query: unexpected character '!' at position {start + 1}", start + 1);
        }
        index += op.Length;
        return new Token(TokenKind.Operator, op, start + 1);
    }

    private Token ReadNumber()
    {
        var start = index;
        if (text[index] == '-')
        {
            index++;
        }
        SkipDigits();
        if (index < text.Length && text[index] == '.')
        {
            index++;
            SkipDigits();
        }
        if (index < text.Length && text[index] is 'e' or 'E')
        {
            index++;
            if (index < text.Length && text[index] is '+' or '-')
            {
                index++;
            }
            SkipDigits();
        }
        return new Token(TokenKind.Number, text[start..index], start + 1);
    }

    private void SkipDigits()
    {
        while (index < text.Length && char.IsDigit(text[index]))
        {
            index++;
        }
    }

    private Token ReadWhile(TokenKind kind, Func<char, bool> accept)
    {
        var start = index;
        while (index < text.Length && accept(text[index]))
        {
            index++;
        }
        return new Token(kind, text[start..index], start + 1);
    }

    /// <summary>Reads up to the closing quote; a doubled quote or a backslash escapes the next character.</summary>
    private string ReadQuoted(char quote, string what)
    {
        var start = index++;
        var value = new StringBuilder();
        while (index < text.Length)
        {
            var c = text[index++];
            if (c == quote)
            {
                if (index < text.Length && text[index] == quote)
                {
                    value.Append(quote);
                    index++;
                    continue;
                }
                return value.ToString();
            }
            if (c == '\\' && index < text.Length)
            {
                var escaped = text[index++];
                value.Append(escaped switch { 'n' => '\n', 't' => '\t', 'r' => '\r', _ => escaped });
                continue;
            }
            value.Append(c);
        }
        throw new VisibilityQueryException($"invalid query: unterminated {what} starting at position {start + 1}", start + 1);
    }
}
