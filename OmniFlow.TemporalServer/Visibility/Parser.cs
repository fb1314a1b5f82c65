using System.Collections.Frozen;
using Temporalio.Api.Enums.V1;

namespace OmniFlow.TemporalServer.Visibility;

internal sealed record ParsedQuery(Expr? Filter, IReadOnlyList<OrderByClause> OrderBy, string? GroupBy);

/// <summary>
/// Recursive descent over the list filter grammar:
/// <code>
/// query     := [or] [GROUP BY name] [ORDER BY name [ASC|DESC] {, name [ASC|DESC]}]
/// or        := and {OR and}
/// and       := not {AND not}
/// not       := NOT not | '(' or ')' | predicate
/// predicate := name (op literal | [NOT] IN '(' literal {, literal} ')' | [NOT] BETWEEN literal AND literal
///                    | [NOT] STARTS_WITH string | IS [NOT] NULL)
/// </code>
/// Names are resolved and literals typed while parsing, so every error carries its position.
/// </summary>
internal sealed class Parser(IReadOnlyList<Token> tokens, ISearchAttributeTypes types)
{
    private static readonly FrozenSet<string> Keywords = new[]
    {
        "AND", "OR", "NOT", "IN", "BETWEEN", "STARTS_WITH", "IS", "NULL", "ORDER", "GROUP", "BY", "ASC", "DESC", "TRUE", "FALSE",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    private int index;

    private Token Current => tokens[index];

    public static ParsedQuery Parse(string text, ISearchAttributeTypes types) =>
        new Parser(Tokenizer.Tokenize(text), types).ParseQuery();

    private ParsedQuery ParseQuery()
    {
        var filter = Current.Kind == TokenKind.End || Current.Is("ORDER") || Current.Is("GROUP") ? null : ParseOr();
        var groupBy = AcceptKeywords("GROUP", "BY") ? ParseGroupBy() : null;
        var orderBy = AcceptKeywords("ORDER", "BY") ? ParseOrderBy() : [];
        if (Current.Kind != TokenKind.End)
        {
            throw Expected(orderBy.Count > 0 ? "',' or end of query"
                : groupBy is not null ? "ORDER BY or end of query"
                : "AND, OR, GROUP BY, ORDER BY or end of query");
        }
        return new ParsedQuery(filter, orderBy, groupBy);
    }

    private Expr ParseOr()
    {
        var expression = ParseAnd();
        while (Accept("OR"))
        {
            expression = new OrExpr(expression, ParseAnd());
        }
        return expression;
    }

    private Expr ParseAnd()
    {
        var expression = ParseNot();
        while (Accept("AND"))
        {
            expression = new AndExpr(expression, ParseNot());
        }
        return expression;
    }

    private Expr ParseNot()
    {
        if (Accept("NOT"))
        {
            return new NotExpr(ParseNot());
        }
        if (Accept(TokenKind.LeftParen))
        {
            var inner = ParseOr();
            Expect(TokenKind.RightParen, "')'");
            return inner;
        }
        return ParsePredicate();
    }

    private Expr ParsePredicate()
    {
        var attribute = ParseAttribute();
        var operation = Current;
        if (Accept(TokenKind.Operator))
        {
            var op = ToOperator(operation.Text);
            EnsureSupported(attribute, op is ComparisonOperator.Equal or ComparisonOperator.NotEqual ? "=" : operation.Text, operation);
            return new ComparisonExpr(attribute, op, ParseLiteral(attribute));
        }
        if (Accept("IS"))
        {
            var notNull = Accept("NOT");
            ExpectKeyword("NULL");
            return new IsNullExpr(attribute, notNull);
        }
        var negated = Accept("NOT");
        operation = Current;
        if (Accept("IN"))
        {
            EnsureSupported(attribute, "IN", operation);
            return new InExpr(attribute, ParseList(attribute), negated);
        }
        if (Accept("BETWEEN"))
        {
            EnsureSupported(attribute, "BETWEEN", operation);
            var low = ParseLiteral(attribute);
            ExpectKeyword("AND");
            return new BetweenExpr(attribute, low, ParseLiteral(attribute), negated);
        }
        if (Accept("STARTS_WITH"))
        {
            EnsureSupported(attribute, "STARTS_WITH", operation);
            var prefix = Current;
            Expect(TokenKind.String, "a string prefix");
            return new StartsWithExpr(attribute, prefix.Text, negated);
        }
        throw Expected(negated ? "IN, BETWEEN or STARTS_WITH" : "a comparison operator, IN, BETWEEN, STARTS_WITH or IS");
    }

    private List<object> ParseList(AttributeRef attribute)
    {
        Expect(TokenKind.LeftParen, "'('");
        List<object> values = [ParseLiteral(attribute)];
        while (Accept(TokenKind.Comma))
        {
            values.Add(ParseLiteral(attribute));
        }
        Expect(TokenKind.RightParen, "',' or ')'");
        return values;
    }

    private string ParseGroupBy()
    {
        var start = Current;
        var attribute = ParseAttribute();
        if (attribute.Name != SystemSearchAttributes.ExecutionStatus)
        {
            throw new VisibilityQueryException(
                $"invalid query: cannot GROUP BY {attribute.Name} at position {start.Position}; only ExecutionStatus is supported",
                start.Position);
        }
        if (Current.Kind == TokenKind.Comma)
        {
            throw new VisibilityQueryException(
                $"invalid query: GROUP BY takes a single attribute, found ',' at position {Current.Position}", Current.Position);
        }
        return attribute.Name;
    }

    private List<OrderByClause> ParseOrderBy()
    {
        List<OrderByClause> clauses = [];
        do
        {
            var start = Current;
            var attribute = ParseAttribute();
            if (attribute.Type is IndexedValueType.Text or IndexedValueType.KeywordList)
            {
                throw new VisibilityQueryException(
                    $"invalid query: ORDER BY is not supported for {attribute.Type} search attribute {attribute.Name} at position {start.Position}",
                    start.Position);
            }
            var descending = Accept("DESC");
            if (!descending)
            {
                Accept("ASC");
            }
            clauses.Add(new OrderByClause(attribute.Name, descending));
        }
        while (Accept(TokenKind.Comma));
        return clauses;
    }

    private AttributeRef ParseAttribute()
    {
        var token = Current;
        if (token.Kind is not (TokenKind.QuotedName or TokenKind.Word) || (token.Kind == TokenKind.Word && Keywords.Contains(token.Text)))
        {
            throw Expected("a search attribute name");
        }
        index++;
        return types.TryGetType(token.Text, out var type)
            ? new AttributeRef(token.Text, type)
            : throw new VisibilityQueryException($"invalid query: unknown search attribute {token.Text}", token.Position);
    }

    private object ParseLiteral(AttributeRef attribute)
    {
        var token = Current;
        if (token.Kind is not (TokenKind.String or TokenKind.Number or TokenKind.Word))
        {
            throw Expected("a value");
        }
        var value = Literals.Convert(attribute, token);
        index++;
        return value;
    }

    private static void EnsureSupported(AttributeRef attribute, string operation, Token at)
    {
        var supported = attribute.Type switch
        {
            IndexedValueType.Keyword => true,
            IndexedValueType.Text => operation == "=",
            IndexedValueType.KeywordList or IndexedValueType.Bool => operation is "=" or "IN",
            _ => operation != "STARTS_WITH",
        };
        if (!supported)
        {
            throw new VisibilityQueryException(
                $"invalid query: operator {at.Text.ToUpperInvariant()} is not supported for {attribute.Type} search attribute {attribute.Name} at position {at.Position}",
                at.Position);
        }
    }

    private static ComparisonOperator ToOperator(string text) => text switch
    {
        "=" => ComparisonOperator.Equal,
        "!=" or "<>" => ComparisonOperator.NotEqual,
        "<" => ComparisonOperator.Less,
        "<=" => ComparisonOperator.LessOrEqual,
        ">" => ComparisonOperator.Greater,
        _ => ComparisonOperator.GreaterOrEqual,
    };

    private bool Accept(string keyword)
    {
        if (!Current.Is(keyword))
        {
            return false;
        }
        index++;
        return true;
    }

    private bool Accept(TokenKind kind)
    {
        if (Current.Kind != kind)
        {
            return false;
        }
        index++;
        return true;
    }

    private bool AcceptKeywords(string first, string second)
    {
        if (!Current.Is(first))
        {
            return false;
        }
        index++;
        ExpectKeyword(second);
        return true;
    }

    private void ExpectKeyword(string keyword)
    {
        if (!Accept(keyword))
        {
            throw Expected(keyword);
        }
    }

    private void Expect(TokenKind kind, string description)
    {
        if (!Accept(kind))
        {
            throw Expected(description);
        }
    }

    private VisibilityQueryException Expected(string what) =>
        new($"invalid query: expected {what} at position {Current.Position} but found {Current.Describe()}", Current.Position);
}
