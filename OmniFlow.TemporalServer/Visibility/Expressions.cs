using Temporalio.Api.Enums.V1;

namespace OmniFlow.TemporalServer.Visibility;

/// <summary>A search attribute named in a query, with the type it had when the query was parsed.</summary>
internal sealed record AttributeRef(string Name, IndexedValueType Type)
{
    public object? Read(IVisibilityRecord record) => SearchAttributeValues.Normalize(record.GetValue(Name));
}

internal enum ComparisonOperator { Equal, NotEqual, Less, LessOrEqual, Greater, GreaterOrEqual }

/// <summary>
/// A filter expression. Evaluation follows SQL's three-valued logic: a predicate over an absent attribute is
/// unknown (null), NOT unknown stays unknown, and a record matches only when the whole filter is true.
/// </summary>
internal abstract record Expr
{
    public abstract bool? Evaluate(IVisibilityRecord record);
}

internal sealed record AndExpr(Expr Left, Expr Right) : Expr
{
    // bool? & and | are SQL's three-valued AND and OR.
    public override bool? Evaluate(IVisibilityRecord record) =>
        Left.Evaluate(record) is var left && left == false ? false : left & Right.Evaluate(record);
}

internal sealed record OrExpr(Expr Left, Expr Right) : Expr
{
    public override bool? Evaluate(IVisibilityRecord record) =>
        Left.Evaluate(record) is var left && left == true ? true : left | Right.Evaluate(record);
}

internal sealed record NotExpr(Expr Operand) : Expr
{
    public override bool? Evaluate(IVisibilityRecord record) => !Operand.Evaluate(record);
}

internal sealed record ComparisonExpr(AttributeRef Attribute, ComparisonOperator Operator, object Value) : Expr
{
    public override bool? Evaluate(IVisibilityRecord record) => Attribute.Read(record) switch
    {
        null => null,
        IReadOnlyList<string> list => (Operator == ComparisonOperator.Equal) == list.Contains((string)Value, StringComparer.Ordinal),
        string text when Attribute.Type == IndexedValueType.Text =>
            (Operator == ComparisonOperator.Equal) == ValueComparison.TextMatches(text, (string)Value),
        var actual => ValueComparison.Compare(actual, Value) is { } order ? Holds(order) : null,
    };

    private bool Holds(int order) => Operator switch
    {
        ComparisonOperator.Equal => order == 0,
        ComparisonOperator.NotEqual => order != 0,
        ComparisonOperator.Less => order < 0,
        ComparisonOperator.LessOrEqual => order <= 0,
        ComparisonOperator.Greater => order > 0,
        _ => order >= 0,
    };
}

internal sealed record InExpr(AttributeRef Attribute, IReadOnlyList<object> Values, bool Negated) : Expr
{
    public override bool? Evaluate(IVisibilityRecord record) => Attribute.Read(record) switch
    {
        null => null,
        IReadOnlyList<string> list => Negated != Values.Any(v => list.Contains((string)v, StringComparer.Ordinal)),
        var actual => Negated != Values.Any(v => ValueComparison.AreEqual(actual, v)),
    };
}

internal sealed record BetweenExpr(AttributeRef Attribute, object Low, object High, bool Negated) : Expr
{
    public override bool? Evaluate(IVisibilityRecord record) =>
        Attribute.Read(record) is { } actual
        && ValueComparison.Compare(actual, Low) is { } low
        && ValueComparison.Compare(actual, High) is { } high
            ? Negated != (low >= 0 && high <= 0)
            : null;
}

internal sealed record StartsWithExpr(AttributeRef Attribute, string Prefix, bool Negated) : Expr
{
    public override bool? Evaluate(IVisibilityRecord record) =>
        Attribute.Read(record) is string actual ? Negated != actual.StartsWith(Prefix, StringComparison.Ordinal) : null;
}

internal sealed record IsNullExpr(AttributeRef Attribute, bool Negated) : Expr
{
    public override bool? Evaluate(IVisibilityRecord record) => Negated != (Attribute.Read(record) is null);
}
