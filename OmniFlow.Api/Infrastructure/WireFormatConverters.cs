using System.Text.Json;
using System.Text.Json.Serialization;
using OmniFlow.Fulfillment.Orders;

namespace OmniFlow.Api.Infrastructure;

/// <summary>Every decimal on the wire is money: written with exactly two decimal places (<see cref="WireMoney"/>), read as any JSON number.</summary>
public sealed class MoneyJsonConverter : JsonConverter<decimal>
{
    public override decimal Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetDecimal(out var value) ? value : throw new JsonException();

    public override void Write(Utf8JsonWriter writer, decimal value, JsonSerializerOptions options) =>
        writer.WriteNumberValue(WireMoney.Scaled(value));
}

/// <summary>Every moment on the wire is written as <see cref="WireTime"/> has it: UTC, milliseconds, <c>Z</c>.</summary>
public sealed class UtcTimeJsonConverter : JsonConverter<DateTime>
{
    public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetDateTime();

    public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options) => writer.WriteStringValue(WireTime.Text(value));
}

/// <inheritdoc cref="UtcTimeJsonConverter"/>
public sealed class UtcTimeOffsetJsonConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetDateTimeOffset();

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) => writer.WriteStringValue(WireTime.Text(value));
}
