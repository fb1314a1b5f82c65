using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace OmniFlow.Api.OpenApi;

/// <summary>Money and moments as the Api writes them (its own converters, which the schema generator cannot see through).</summary>
public sealed class WireFormatSchemas : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var type = context.JsonTypeInfo.Type;
        var nullable = Nullable.GetUnderlyingType(type) is not null;
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(decimal))
        {
            schema.Type = JsonSchemaType.Number | (nullable ? JsonSchemaType.Null : 0);
            schema.Format = null;
            schema.MultipleOf = 0.01m;
            schema.Description ??= "Money: answered with exactly two decimal places (100.00); sent with at most two.";
        }
        else if (type == typeof(DateTime) || type == typeof(DateTimeOffset))
        {
            schema.Type = JsonSchemaType.String | (nullable ? JsonSchemaType.Null : 0);
            schema.Format = "date-time";
            schema.Pattern = @"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$";
            schema.Description ??= "UTC with milliseconds: 2025-06-01T12:30:00.123Z.";
        }

        return Task.CompletedTask;
    }
}
