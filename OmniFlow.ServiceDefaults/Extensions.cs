using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// What every OmniFlow service shares, as in the Aspire service-defaults template: OpenTelemetry (logs, traces,
/// metrics; traces and OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, Prometheus on <c>/metrics</c>), health endpoints,
/// and resilience plus service discovery for every HttpClient.
/// </summary>
public static class Extensions
{
    public const string HealthPath = "/health";
    public const string AlivePath = "/alive";
    public const string MetricsPath = "/metrics";

    /// <summary>The tag of the checks <c>/alive</c> runs; <c>/health</c> runs every check.</summary>
    public const string LiveTag = "live";

    /// <summary>ActivitySource and Meter names the telemetry subscribes to.</summary>
    public const string OmniFlowTelemetry = "OmniFlow.*";

    /// <summary>MySqlConnector's ActivitySource: one span per database command, under the activity that ran it.</summary>
    public const string MySqlConnectorTelemetry = "MySqlConnector";

    /// <summary>
    /// Kestrel's buffer pool, which the ASP.NET Core instrumentation subscribes to: a measurement per buffer rented and
    /// returned, several per request, was 6 % of the Api's CPU answering a sold-out crowd (bench/results.md). Dropped,
    /// its instruments are never enabled, so Kestrel skips them.
    /// </summary>
    public const string KestrelMemoryPoolMeter = "Microsoft.AspNetCore.MemoryPool";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });
        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        var telemetry = builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(OmniFlowTelemetry)
                .AddView(instrument => instrument.Meter.Name == KestrelMemoryPoolMeter ? MetricStreamConfiguration.Drop : null)
                .AddPrometheusExporter());

        // Traces only go somewhere over OTLP. Without an exporter, recording a span per request is pure cost: it made the
        // flash-sale 429 path measurably slower (bench/results.md), so spans are recorded only when they are exported,
        // and only as many new traces a second as the budget allows (TraceBudget).
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            telemetry.WithTracing(tracing => tracing
                .SetSampler(TraceBudget.FromConfiguration(builder.Configuration.GetValue<int?>(TraceBudget.Key)))
                .AddSource(builder.Environment.ApplicationName, OmniFlowTelemetry, MySqlConnectorTelemetry)
                .AddAspNetCoreInstrumentation(aspNetCore => aspNetCore.Filter = context => !IsInfrastructurePath(context.Request.Path))
                .AddHttpClientInstrumentation());
            telemetry.UseOtlpExporter();
        }

        return builder;
    }

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);
        return builder;
    }

    /// <summary>Maps <c>/health</c> (every check passes), <c>/alive</c> (the "live" checks pass) and <c>/metrics</c> (Prometheus).</summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks(HealthPath);
        app.MapHealthChecks(AlivePath, new HealthCheckOptions { Predicate = check => check.Tags.Contains(LiveTag) });
        app.MapPrometheusScrapingEndpoint(MetricsPath);
        return app;
    }

    private static bool IsInfrastructurePath(PathString path) =>
        path.StartsWithSegments(HealthPath) || path.StartsWithSegments(AlivePath) || path.StartsWithSegments(MetricsPath);
}
