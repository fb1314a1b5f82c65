using System.Buffers;
using System.Text.Json;

namespace OmniFlow.Api.Orders;

/// <summary>
/// Reads an order body in its plain form, the one every client of a sale sends: <c>user_id</c> (a string or null),
/// <c>items</c> (skus, or <c>{"sku", "quantity"}</c> objects with those two names exactly) and <c>amount</c> (a number or
/// null), each named exactly so and at most once. Whatever it reads, the endpoint's JSON binding reads the same; any other
/// body (other names or casing, escaped names, repeats, comments, other types) it leaves to that binding.
/// </summary>
public static class PlainOrderBody
{
    public static bool TryRead(in ReadOnlySequence<byte> body, out CreateOrderRequest? request)
    {
        request = null;
        try
        {
            var reader = new Utf8JsonReader(body);
            if (TryReadOrder(ref reader, out request) && IsWhitespace(body.Slice(reader.BytesConsumed)))
            {
                return true;
            }
        }
        catch (Exception error) when (error is JsonException or InvalidOperationException)
        {
            // Not JSON, or a string that is not UTF-8: the endpoint answers it.
        }

        request = null;
        return false;
    }

    private static bool IsWhitespace(ReadOnlySequence<byte> rest)
    {
        foreach (var segment in rest)
        {
            if (segment.Span.IndexOfAnyExcept(" \t\r\n"u8) >= 0)
            {
                return false;
            }
        }

        return true;
    }

    private static bool TryReadOrder(ref Utf8JsonReader reader, out CreateOrderRequest? request)
    {
        request = null;
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        string? userId = null;
        List<OrderItemRequest>? items = null;
        decimal? amount = null;
        bool seenUserId = false, seenAmount = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueIsEscaped)
            {
                return false;
            }

            if (reader.ValueTextEquals("user_id"u8) && !seenUserId)
            {
                seenUserId = true;
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    userId = reader.GetString();
                }
                else if (reader.TokenType != JsonTokenType.Null)
                {
                    return false;
                }
            }
            else if (reader.ValueTextEquals("items"u8) && items is null)
            {
                reader.Read();
                if (!TryReadItems(ref reader, out items))
                {
                    return false;
                }
            }
            else if (reader.ValueTextEquals("amount"u8) && !seenAmount)
            {
                seenAmount = true;
                reader.Read();
                if (reader.TokenType == JsonTokenType.Number && reader.TryGetDecimal(out var number))
                {
                    amount = number;
                }
                else if (reader.TokenType != JsonTokenType.Null)
                {
                    return false;
                }
            }
            else
            {
                return false;
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject || items is null)
        {
            return false;
        }

        request = new CreateOrderRequest(userId, items, amount);
        return true;
    }

    private static bool TryReadItems(ref Utf8JsonReader reader, out List<OrderItemRequest>? items)
    {
        items = null;
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return false;
        }

        var read = new List<OrderItemRequest>(1);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType == JsonTokenType.String)
            {
                read.Add(new OrderItemRequest(reader.GetString()!, 1));
            }
            else if (!(reader.TokenType == JsonTokenType.StartObject && TryReadItemObject(ref reader, read)))
            {
                return false;
            }
        }

        items = read;
        return true;
    }

    private static bool TryReadItemObject(ref Utf8JsonReader reader, List<OrderItemRequest> items)
    {
        string? sku = null;
        int? quantity = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueIsEscaped)
            {
                return false;
            }

            if (reader.ValueTextEquals("sku"u8) && sku is null)
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.String)
                {
                    return false;
                }

                sku = reader.GetString();
            }
            else if (reader.ValueTextEquals("quantity"u8) && quantity is null)
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out var value))
                {
                    return false;
                }

                quantity = value;
            }
            else
            {
                return false;
            }
        }

        if (sku is null)
        {
            return false;
        }

        items.Add(new OrderItemRequest(sku, quantity ?? 1));
        return true;
    }
}
