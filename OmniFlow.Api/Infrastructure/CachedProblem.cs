using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace OmniFlow.Api.Infrastructure;

/// <summary>
/// A problem-details answer serialized once and written as bytes, with only the trace id added per request: for answers
/// that repeat word for word thousands of times a second (the flash-sale's "sold out" 429). The body is what
/// <see cref="ApiProblems"/> and the problem-details service would write, field for field.
/// </summary>
public sealed class CachedProblem : IResult, IStatusCodeHttpResult, IContentTypeHttpResult, IEndpointMetadataProvider
{
    private const string ProblemJson = "application/problem+json";
    private const int W3CIdLength = 55;

    private readonly byte[] head;

    public CachedProblem(ProblemDetails problem, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(problem.Status);
        StatusCode = problem.Status.Value;
        Problem = problem;
        var json = JsonSerializer.SerializeToUtf8Bytes(problem, options);
        var traceIdName = options.DictionaryKeyPolicy?.ConvertName("traceId") ?? "traceId";
        head = [.. json.AsSpan(0, json.Length - 1), .. Encoding.UTF8.GetBytes($",\"{traceIdName}\":\"")];
    }

    /// <summary>The answer, for tests and logs; never modified after construction.</summary>
    public ProblemDetails Problem { get; }

    public int StatusCode { get; }

    int? IStatusCodeHttpResult.StatusCode => StatusCode;

    public string ContentType => ProblemJson;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        // The same trace id the problem-details service would add (the W3C id "00-trace-span-flags", else the request's
        // id), written without making it a string; both forms are ASCII letters, digits, '-' and ':'.
        var span = Activity.Current;
        Span<char> w3cId = stackalloc char[W3CIdLength];
        ReadOnlySpan<char> traceId = span is { IdFormat: ActivityIdFormat.W3C } ? FormatW3CId(span, w3cId) : span?.Id ?? httpContext.TraceIdentifier;

        // Not exported: a crowd's rejections are counted by the metrics, and as traces they would bury the orders' on
        // the dashboard and cost the exporter and the dashboard more than the answer itself. Not enriched either: with
        // no data requested, neither ASP.NET Core's instrumentation nor the exporter's processor does anything at its end.
        if (span is not null)
        {
            span.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
            span.IsAllDataRequested = false;
        }

        return Write(httpContext.Features, traceId);
    }

    /// <summary>
    /// The answer written to the server's own features, for a request answered before ASP.NET Core's hosting layer
    /// (<see cref="Orders.SoldOutDoor"/>): with no span, its trace id is the request's identifier, as the problem-details
    /// service gives it then.
    /// </summary>
    public Task WriteAsync(IFeatureCollection features) =>
        Write(features, features.Get<IHttpRequestIdentifierFeature>()?.TraceIdentifier);

    private Task Write(IFeatureCollection features, ReadOnlySpan<char> traceId)
    {
        var response = features.GetRequiredFeature<IHttpResponseFeature>();
        response.StatusCode = StatusCode;
        response.Headers.ContentType = ProblemJson;
        response.Headers.ContentLength = head.Length + traceId.Length + 2;
        var body = features.GetRequiredFeature<IHttpResponseBodyFeature>().Writer;
        body.Write(head);
        Encoding.ASCII.GetBytes(traceId, body);
        body.Write("\"}"u8);
        var flush = body.FlushAsync();
        return flush.IsCompletedSuccessfully ? Task.CompletedTask : flush.AsTask();
    }

    private static ReadOnlySpan<char> FormatW3CId(Activity span, Span<char> id)
    {
        Span<byte> raw = stackalloc byte[16];
        "00-".CopyTo(id);
        span.TraceId.CopyTo(raw);
        Convert.TryToHexStringLower(raw, id[3..35], out _);
        id[35] = '-';
        span.SpanId.CopyTo(raw[..8]);
        Convert.TryToHexStringLower(raw[..8], id[36..52], out _);
        id[52] = '-';
        ((byte)span.ActivityTraceFlags).TryFormat(id[53..], out _, "x2", CultureInfo.InvariantCulture);
        return id;
    }

    /// <summary>Cached answers are the flash-sale rejections, all 429.</summary>
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status429TooManyRequests, typeof(ProblemDetails), [ProblemJson]));
}
