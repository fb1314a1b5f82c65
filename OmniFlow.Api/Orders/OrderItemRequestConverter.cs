using System.Text.Json;
using System.Text.Json.Serialization;
using OmniFlow.Api.Infrastructure;

namespace OmniFlow.Api.Orders;

/// <summary>Reads <c>"sku"</c> as quantity 1, or <c>{"sku": "...", "quantity": n}</c>; anything else is a JsonException (400).</summary>
public sealed class OrderItemRequestConverter : JsonConverter<OrderItemRequest>
{
    public override OrderItemRequest Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return new OrderItemRequest(reader.GetString()!, 1);
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new ContractJsonException("An item must be a sku string or an object {\"sku\", \"quantity\"}.");
        }

        string? sku = null;
        var quantity = 1;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString();
            reader.Read();
            if (string.Equals(name, "sku", StringComparison.OrdinalIgnoreCase))
            {
                sku = reader.TokenType == JsonTokenType.String ? reader.GetString() : throw new ContractJsonException("An item's sku must be a string.");
            }
            else if (string.Equals(name, "quantity", StringComparison.OrdinalIgnoreCase))
            {
                quantity = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var value)
                    ? value
                    : throw new ContractJsonException("An item's quantity must be an integer.");
            }
            else
            {
                reader.Skip();
            }
        }

        return new OrderItemRequest(sku ?? throw new ContractJsonException("An item object needs a sku."), quantity);
    }

    public override void Write(Utf8JsonWriter writer, OrderItemRequest value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteString("sku", value.Sku);
        writer.WriteNumber("quantity", value.Quantity);
        writer.WriteEndObject();
    }
}
