using System.Globalization;
using Temporalio.Api.Enums.V1;

namespace OmniFlow.TemporalServer.Visibility;

/// <summary>Turns a literal token into a value of the compared attribute's type, or explains why it cannot.</summary>
internal static class Literals
{
    private static readonly string StatusNames = string.Join(", ",
        Enum.GetValues<WorkflowExecutionStatus>().Where(s => s != WorkflowExecutionStatus.Unspecified));

    public static object Convert(AttributeRef attribute, Token token)
    {
        var value = token.Kind switch
        {
            TokenKind.String => FromString(attribute, token.Text),
            TokenKind.Number => FromNumber(attribute.Type, token.Text),
            TokenKind.Word when attribute.Type == IndexedValueType.Bool && (token.Is("true") || token.Is("false")) => token.Is("true"),
            _ => null,
        };
        if (value is not null)
        {
            return value;
        }
        if (attribute.Name == SystemSearchAttributes.ExecutionStatus && token.Kind == TokenKind.String)
        {
            throw new VisibilityQueryException(
                $"invalid query: '{token.Text}' at position {token.Position} is not a valid ExecutionStatus (expected one of {StatusNames})",
                token.Position);
        }
        throw new VisibilityQueryException(
            $"invalid query: search attribute {attribute.Name} of type {attribute.Type} cannot be compared with {token.Describe()} at position {token.Position}",
            token.Position);
    }

    private static object? FromString(AttributeRef attribute, string text) => attribute.Type switch
    {
        IndexedValueType.Keyword when attribute.Name == SystemSearchAttributes.ExecutionStatus =>
            SystemSearchAttributes.CanonicalStatusName(text),
        IndexedValueType.Keyword or IndexedValueType.Text or IndexedValueType.KeywordList => text,
        IndexedValueType.Datetime => ValueParsing.ParseDateTime(text),
        IndexedValueType.Int when attribute.Name == SystemSearchAttributes.ExecutionDuration =>
            ValueParsing.ParseDurationNanoseconds(text),
        _ => null,
    };

    private static object? FromNumber(IndexedValueType type, string text)
    {
        var isInteger = long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer);
        return type switch
        {
            IndexedValueType.Int when isInteger => integer,
            IndexedValueType.Datetime when isInteger => ValueParsing.FromUnixNanoseconds(integer),
            IndexedValueType.Double when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) => real,
            _ => null,
        };
    }
}
