using System.Diagnostics;
using System.Globalization;
using Temporalio.Api.Common.V1;
using Temporalio.Converters;

namespace OmniFlow.Fulfillment.Telemetry;

/// <summary>
/// W3C trace context (<c>traceparent</c>, <c>tracestate</c>) carried in a Temporal header. The header is the one
/// Temporal's own OpenTelemetry interceptors use (<c>_tracer-data</c>, a JSON map of the W3C fields), so a workflow
/// started or signalled by another SDK's traced client continues that trace here, and the other way round.
/// </summary>
internal static class TraceHeaders
{
    public const string Key = "_tracer-data";

    private const string TraceParent = "traceparent";
    private const string TraceState = "tracestate";

    private static IPayloadConverter Converter => DataConverter.Default.PayloadConverter;

    /// <summary>
    /// A copy of <paramref name="headers"/> (the caller's dictionary is never changed) with <paramref name="context"/>
    /// in it; <paramref name="headers"/> itself when there is no context to carry.
    /// </summary>
    public static IDictionary<string, Payload>? With(IDictionary<string, Payload>? headers, ActivityContext context)
    {
        if (context == default)
        {
            return headers;
        }

        var carrier = new Dictionary<string, string>(2, StringComparer.Ordinal) { [TraceParent] = Format(context) };
        if (!string.IsNullOrEmpty(context.TraceState))
        {
            carrier[TraceState] = context.TraceState;
        }

        var copy = headers is null ? new Dictionary<string, Payload>(1, StringComparer.Ordinal) : new Dictionary<string, Payload>(headers, StringComparer.Ordinal);
        // Headers are not run through the payload codec: the SDK leaves them as the interceptors wrote them.
        copy[Key] = Converter.ToPayload(carrier);
        return copy;
    }

    /// <summary>The context carried in <paramref name="headers"/>; default when there is none or it cannot be read.</summary>
    public static ActivityContext Read(IReadOnlyDictionary<string, Payload>? headers) =>
        headers is not null && headers.TryGetValue(Key, out var payload) ? Read(payload) : default;

    public static ActivityContext Read(IDictionary<string, Payload>? headers) =>
        headers is not null && headers.TryGetValue(Key, out var payload) ? Read(payload) : default;

    private static ActivityContext Read(Payload payload)
    {
        try
        {
            var carrier = Converter.ToValue<Dictionary<string, string>>(payload);
            if (carrier is not null
                && carrier.TryGetValue(TraceParent, out var parent)
                && ActivityContext.TryParse(parent, carrier.GetValueOrDefault(TraceState), isRemote: true, out var context))
            {
                return context;
            }
        }
        catch (Exception error) when (error is FormatException or InvalidOperationException or System.Text.Json.JsonException)
        {
            // A header someone else wrote in another shape: no parent rather than a failed task.
        }

        return default;
    }

    /// <summary>W3C traceparent, version 00.</summary>
    private static string Format(ActivityContext context) =>
        string.Create(CultureInfo.InvariantCulture, $"00-{context.TraceId.ToHexString()}-{context.SpanId.ToHexString()}-{((context.TraceFlags & ActivityTraceFlags.Recorded) != 0 ? "01" : "00")}");
}
