using System.Text.Json;
using System.Text.Json.Serialization;

namespace OmniFlow.Api.Infrastructure;

/// <summary>
/// The wire format of the contract: snake_case names, SCREAMING_SNAKE_CASE enums, numbers as numbers, money with two
/// decimal places and moments in UTC with milliseconds, whether an answer comes from a workflow or from the database.
/// </summary>
public static class ApiJson
{
    public static void Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.DictionaryKeyPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.NumberHandling = JsonNumberHandling.Strict;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseUpper, allowIntegerValues: false));
        options.Converters.Add(new MoneyJsonConverter());
        options.Converters.Add(new UtcTimeJsonConverter());
        options.Converters.Add(new UtcTimeOffsetJsonConverter());
    }
}
