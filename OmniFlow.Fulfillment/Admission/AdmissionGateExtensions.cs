using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OmniFlow.Fulfillment.Admission.InProcess;
using OmniFlow.Fulfillment.Admission.Redis;
using OmniFlow.Fulfillment.Reconciliation;
using StackExchange.Redis;

namespace OmniFlow.Fulfillment.Admission;

public static class AdmissionGateExtensions
{
    /// <summary>The connection string name the Redis gate is configured by (<c>ConnectionStrings:redis</c>).</summary>
    public const string RedisConnectionName = "redis";

    /// <summary>
    /// How long a gate call waits for Redis before it fails (and its caller is answered 503). It counts from when the
    /// call is queued in this process: an Api that has just started, hit by thousands of buyers at once, holds calls in
    /// its own connection for up to a second while Redis answers each in microseconds (bench/cold-burst.sh).
    /// </summary>
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromMilliseconds(1500);

    /// <summary>How often the client looks for calls past <see cref="CommandTimeout"/>: a call fails within the sum of the two.</summary>
    public static readonly TimeSpan TimeoutCheckInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Registers <see cref="IAdmissionGate"/>: over Redis when <c>ConnectionStrings:redis</c> is set (Aspire's Redis
    /// client: one <see cref="IConnectionMultiplexer"/> for the process, its health check, and its traces when they are
    /// exported), in process otherwise. Options come from the <c>Sales</c> section (<see cref="AdmissionOptions"/>).
    /// </summary>
    public static IHostApplicationBuilder AddAdmissionGate(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<AdmissionOptions>()
            .Bind(builder.Configuration.GetSection(AdmissionOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AdmissionOptions>, AdmissionOptionsValidator>());
        services.AddMetrics();
        services.TryAddSingleton<AdmissionTelemetry>();

        var connectionString = builder.Configuration.GetConnectionString(RedisConnectionName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            services.TryAddSingleton<InProcessAdmissionGate>();
            services.TryAddSingleton<IAdmissionGate>(provider => provider.GetRequiredService<InProcessAdmissionGate>());
            services.TryAddSingleton<IGateAudit>(provider => provider.GetRequiredService<InProcessAdmissionGate>());
            return builder;
        }

        builder.AddRedisClient(RedisConnectionName,
            // A span per gate call costs the 429 path; record them only when something exports them.
            settings => settings.DisableTracing = string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]),
            options =>
            {
                // Start even when Redis is down: the health check reports it and the multiplexer keeps reconnecting.
                options.AbortOnConnectFail = false;

                // While Redis is unreachable a gate call fails at once, and one that got no answer fails within a
                // second, instead of waiting in a backlog and running after the caller was answered 503.
                options.BacklogPolicy = BacklogPolicy.FailFast;
                options.AsyncTimeout = (int)CommandTimeout.TotalMilliseconds;
                options.SyncTimeout = (int)CommandTimeout.TotalMilliseconds;
                options.HeartbeatInterval = TimeoutCheckInterval;
            });
        services.TryAddSingleton<RedisAdmissionGate>();
        services.TryAddSingleton<IAdmissionGate>(provider => provider.GetRequiredService<RedisAdmissionGate>());
        services.TryAddSingleton<IGateAudit, RedisGateAudit>();
        services.AddHostedService<RedisAdmissionGateStarter>();
        return builder;
    }
}
