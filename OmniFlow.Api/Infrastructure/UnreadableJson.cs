using System.Text.Json;

namespace OmniFlow.Api.Infrastructure;

/// <summary>Why a request body could not be read as JSON, in the contract's words: no serializer or .NET type names.</summary>
public static class UnreadableJson
{
    public static string Describe(JsonException error)
    {
        // The reader's own exceptions (a JsonException subclass) mean the text is not JSON at all.
        if (error.InnerException is JsonException || error.Path is null)
        {
            return $"The request body is not valid JSON (line {error.LineNumber + 1 ?? 1}, byte {error.BytePositionInLine + 1 ?? 1}).";
        }

        var field = Field(error.Path);
        return error switch
        {
            ContractJsonException => $"{field}: {error.Message}",
            _ when field.Length == 0 => "The request body must be a JSON object.",
            _ => $"{field}: the value has the wrong type or is out of range.",
        };
    }

    /// <summary><c>$.items[0]</c> as <c>items[0]</c>; the whole body as an empty string.</summary>
    private static string Field(string path) => path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
}
