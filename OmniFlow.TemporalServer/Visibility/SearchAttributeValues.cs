using System.Globalization;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;

namespace OmniFlow.TemporalServer.Visibility;

/// <summary>Converts search attribute payloads to the CLR values the visibility layer works with, and back.</summary>
public static class SearchAttributeValues
{
    private const string JsonEncoding = "json/plain";
    private const string NullEncoding = "binary/null";

    /// <summary>
    /// Decodes a start or upsert request's search attributes. A null value means "unset this attribute".
    /// Throws <see cref="VisibilityQueryException"/> for unknown or server-maintained attributes and for values
    /// that do not fit the registered type.
    /// </summary>
    public static IReadOnlyDictionary<string, object?> Decode(SearchAttributes? attributes, ISearchAttributeTypes types, string namespaceName = "default")
    {
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (attributes is null)
        {
            return values;
        }
        foreach (var (name, payload) in attributes.IndexedFields)
        {
            if (SystemSearchAttributes.ServerMaintained.ContainsKey(name))
            {
                throw new VisibilityQueryException($"search attribute {name} is a system attribute and cannot be set");
            }
            if (!types.TryGetType(name, out var type))
            {
                // The real server's words.
                throw new VisibilityQueryException($"Namespace {namespaceName} has no mapping defined for search attribute {name}");
            }
            values[name] = Decode(name, payload, type);
        }
        return values;
    }

    /// <summary>Decodes one payload according to the attribute's registered type.</summary>
    public static object? Decode(string name, Payload payload, IndexedValueType type)
    {
        var encoding = Metadata(payload, "encoding");
        if (encoding == NullEncoding || payload.Data.IsEmpty)
        {
            return null;
        }
        if (encoding != JsonEncoding)
        {
            throw new VisibilityQueryException($"search attribute {name} has unsupported payload encoding '{encoding}'");
        }
        var declared = Metadata(payload, "type");
        if (!string.IsNullOrEmpty(declared) && !string.Equals(declared, type.ToString(), StringComparison.OrdinalIgnoreCase))
        {
            throw new VisibilityQueryException($"search attribute {name} is of type {type}, not {declared}");
        }
        try
        {
            using var document = JsonDocument.Parse(payload.Data.Memory);
            if (document.RootElement.ValueKind == JsonValueKind.Null)
            {
                return null;
            }
            return FromJson(document.RootElement, type)
                ?? throw new VisibilityQueryException($"invalid value {document.RootElement.GetRawText()} for search attribute {name} of type {type}");
        }
        catch (JsonException e)
        {
            throw new VisibilityQueryException($"invalid JSON value for search attribute {name}: {e.Message}");
        }
    }

    /// <summary>A json/plain payload carrying the "type" metadata, as the SDKs write it; binary/null for null.</summary>
    public static Payload Encode(object? value, IndexedValueType type)
    {
        var normalized = Normalize(value);
        var payload = new Payload();
        if (normalized is null)
        {
            payload.Metadata["encoding"] = ByteString.CopyFromUtf8(NullEncoding);
            return payload;
        }
        payload.Metadata["encoding"] = ByteString.CopyFromUtf8(JsonEncoding);
        payload.Metadata["type"] = ByteString.CopyFromUtf8(type.ToString());
        object json = normalized is DateTimeOffset time ? FormatDateTime(time) : normalized;
        payload.Data = ByteString.CopyFrom(JsonSerializer.SerializeToUtf8Bytes(json, json.GetType()));
        return payload;
    }

    /// <summary>
    /// Brings a value from a record to the canonical CLR shape: long, double, DateTimeOffset (UTC), string, bool,
    /// IReadOnlyList&lt;string&gt; (null when empty); TimeSpan becomes nanoseconds, statuses their names.
    /// </summary>
    public static object? Normalize(object? value) => value switch
    {
        null => null,
        string or long or double or bool => value,
        int i => (long)i,
        short s => (long)s,
        uint u => (long)u,
        float f => (double)f,
        decimal d => (double)d,
        DateTime dt => new DateTimeOffset(dt.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(dt, DateTimeKind.Utc) : dt).ToUniversalTime(),
        DateTimeOffset dto => dto.ToUniversalTime(),
        Timestamp ts => ts.ToDateTimeOffset(),
        TimeSpan span => span.Ticks * 100,
        Duration duration => duration.ToTimeSpan().Ticks * 100,
        WorkflowExecutionStatus status => status.ToString(),
        IReadOnlyList<string> list => list.Count > 0 ? list : null,
        IEnumerable<string> list => list.ToArray() is { Length: > 0 } items ? items : null,
        _ => value,
    };

    internal static string FormatDateTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    private static object? FromJson(JsonElement element, IndexedValueType type)
    {
        if (type == IndexedValueType.KeywordList)
        {
            return element.ValueKind switch
            {
                JsonValueKind.String => new[] { element.GetString()! },
                JsonValueKind.Array when element.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String) =>
                    element.EnumerateArray().Select(e => e.GetString()!).ToArray(),
                _ => null,
            };
        }
        if (element.ValueKind == JsonValueKind.Array)
        {
            // Older SDKs wrap single values in an array.
            return element.GetArrayLength() == 1 ? FromJson(element[0], type) : null;
        }
        return (type, element.ValueKind) switch
        {
            (IndexedValueType.Keyword or IndexedValueType.Text, JsonValueKind.String) => element.GetString(),
            (IndexedValueType.Int, JsonValueKind.Number) => element.TryGetInt64(out var l) ? l : null,
            (IndexedValueType.Double, JsonValueKind.Number) => element.GetDouble(),
            (IndexedValueType.Bool, JsonValueKind.True or JsonValueKind.False) => element.GetBoolean(),
            (IndexedValueType.Datetime, JsonValueKind.String) => ValueParsing.ParseDateTime(element.GetString()!),
            _ => null,
        };
    }

    private static string? Metadata(Payload payload, string key) =>
        payload.Metadata.TryGetValue(key, out var bytes) ? Encoding.UTF8.GetString(bytes.Span) : null;
}
