using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace OmniFlow.TemporalServer.Hosting;

/// <summary>
/// Logs and metrics over OTLP when the process is given an exporter endpoint (an Aspire AppHost does). No traces: a span
/// per long poll would bury the orders' traces on the dashboard.
/// </summary>
internal static class ServerTelemetry
{
    public const string EndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public static void AddWhenExported(WebApplicationBuilder builder)
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(EndpointVariable)))
        {
            return;
        }

        // The exporter reads its endpoint, headers and protocol (OTEL_*) from configuration.
        builder.Configuration.AddEnvironmentVariables();
        builder.Logging.AddOpenTelemetry(logging => logging.IncludeFormattedMessage = true);
        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics.AddAspNetCoreInstrumentation().AddRuntimeInstrumentation())
            .UseOtlpExporter();
    }
}
