using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Temporalio.Client.Interceptors;

namespace OmniFlow.Fulfillment.Telemetry;

/// <summary>Wires the Temporal tracing and the order metrics into a service's Temporal client (and so into its workers).</summary>
public static class TemporalTelemetry
{
    /// <summary>Registers the <see cref="TemporalTracingInterceptor"/> and <see cref="OrderTelemetry"/> singletons.</summary>
    public static IServiceCollection AddOmniFlowTemporalTelemetry(this IServiceCollection services)
    {
        services.AddMetrics();
        services.TryAddSingleton<OrderTelemetry>();
        services.TryAddSingleton(_ => new TemporalTracingInterceptor());
        return services;
    }

    /// <summary>
    /// The interceptors for the client's options. Workers built on that client take them as worker interceptors too:
    /// give them to no worker's options besides, or the worker would trace (and count) everything twice.
    /// </summary>
    public static IReadOnlyCollection<IClientInterceptor> Interceptors(IServiceProvider services) =>
    [
        services.GetRequiredService<TemporalTracingInterceptor>(),
        new OrderMetricsInterceptor(services.GetRequiredService<OrderTelemetry>()),
    ];
}
