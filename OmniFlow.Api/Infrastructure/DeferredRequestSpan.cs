using System.Diagnostics;
using Microsoft.AspNetCore.Http.Features;

namespace OmniFlow.Api.Infrastructure;

/// <summary>
/// A request's span left empty and unrecorded while the request may yet be answered without a trace (the sold-out
/// crowd), and recorded after all when it is not. The tracing filter defers it (<see cref="Defer"/>), before
/// OpenTelemetry's ASP.NET Core instrumentation fills it in; <see cref="Resume"/> gives it what the instrumentation
/// would have, and the instrumentation completes it when the request ends, as for any other request.
/// </summary>
public sealed class DeferredRequestSpan
{
    private static readonly DeferredRequestSpan Mark = new();

    private DeferredRequestSpan()
    {
    }

    /// <summary>For the tracing filter: marks the request, and answers false, "do not fill in its span now".</summary>
    public static bool Defer(HttpContext context)
    {
        context.Features.Set(Mark);
        return false;
    }

    /// <summary>Records the request's span after all, if <see cref="Defer"/> held it back.</summary>
    public static void Resume(HttpContext context)
    {
        if (context.Features.Get<DeferredRequestSpan>() is null || context.Features.Get<IHttpActivityFeature>()?.Activity is not { } span)
        {
            return;
        }

        context.Features.Set<DeferredRequestSpan>(null);
        span.IsAllDataRequested = true;
        span.ActivityTraceFlags |= ActivityTraceFlags.Recorded;
        var request = context.Request;
        span.DisplayName = request.Method;
        span.SetTag("http.request.method", request.Method);
        if (request.Host.HasValue)
        {
            span.SetTag("server.address", request.Host.Host);
            if (request.Host.Port is { } port)
            {
                span.SetTag("server.port", port);
            }
        }

        if (request.Headers.UserAgent.ToString() is { Length: > 0 } userAgent)
        {
            span.SetTag("user_agent.original", userAgent);
        }

        span.SetTag("url.scheme", request.Scheme);
        span.SetTag("url.path", (request.PathBase + request.Path).ToString());
        span.SetTag("network.protocol.version", request.Protocol switch
        {
            "HTTP/1.0" => "1.0",
            "HTTP/1.1" => "1.1",
            "HTTP/2" => "2",
            "HTTP/3" => "3",
            var other => other,
        });
    }
}
