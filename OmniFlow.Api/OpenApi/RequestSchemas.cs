using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using OmniFlow.Api.Infrastructure;
using OmniFlow.Api.Orders;
using OmniFlow.Api.Products;

namespace OmniFlow.Api.OpenApi;

/// <summary>
/// What a client must send: the fields each request body requires (the records' other fields are optional), and an
/// order's items as a sku or <c>{"sku", "quantity"}</c>, which the schema generator cannot see through its converter.
/// </summary>
public sealed class RequestSchemas : IOpenApiSchemaTransformer
{
    private static readonly Dictionary<Type, string[]> Required = new()
    {
        [typeof(CreateOrderRequest)] = ["items"],
        [typeof(PaymentRequest)] = ["payment_id", "amount"],
        [typeof(AuditRequest)] = ["approved"],
        [typeof(ProductRequest)] = ["name", "price", "stock"],
    };

    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var type = context.JsonTypeInfo.Type;
        if (Required.TryGetValue(type, out var required))
        {
            schema.Required = new HashSet<string>(required, StringComparer.Ordinal);
        }

        if (type == typeof(CreateOrderRequest) && schema.Properties is { } properties && properties.TryGetValue("items", out var property) && property is OpenApiSchema items)
        {
            items.Type = JsonSchemaType.Array;
            items.MinItems = 1;
            items.MaxItems = CreateOrderRequest.MaxItems;
            items.Items = Item();
        }

        return Task.CompletedTask;
    }

    private static OpenApiSchema Item()
    {
        var sku = new OpenApiSchema { Type = JsonSchemaType.String, Pattern = "^[A-Za-z0-9_-]{1,64}$" };
        return new OpenApiSchema
        {
            Description = "A sku (quantity 1), or a sku with its quantity.",
            OneOf =
            [
                sku,
                new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Required = new HashSet<string>(["sku"], StringComparer.Ordinal),
                    Properties = new Dictionary<string, IOpenApiSchema>
                    {
                        ["sku"] = sku,
                        ["quantity"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = "1", Maximum = CreateOrderRequest.MaxQuantity.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                    },
                },
            ],
        };
    }
}
