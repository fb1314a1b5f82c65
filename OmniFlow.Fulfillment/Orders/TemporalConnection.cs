using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OmniFlow.Fulfillment.Telemetry;
using Temporalio.Client;

namespace OmniFlow.Fulfillment.Orders;

public static partial class TemporalConnection
{
    /// <summary>
    /// Registers <see cref="TemporalSettings"/> and one lazily connecting <see cref="ITemporalClient"/>, so the process
    /// starts while Temporal is still coming up; <see cref="WaitUntilConnectedAsync"/> connects it. The client carries the
    /// tracing and order-metrics interceptors (<see cref="TemporalTelemetry"/>), and so does every worker built on it.
    /// </summary>
    public static IHostApplicationBuilder AddOmniFlowTemporalClient(this IHostApplicationBuilder builder)
    {
        var settings = TemporalSettings.From(builder.Configuration);
        var compression = settings.GrpcCompression();
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(OrdersSettings.From(builder.Configuration));
        builder.Services.AddOmniFlowTemporalTelemetry();
        builder.Services.AddSingleton<ITemporalClient>(services => TemporalClient.CreateLazy(new(settings.Address)
        {
            Namespace = settings.Namespace,
            GrpcCompression = compression,
            LoggerFactory = services.GetRequiredService<ILoggerFactory>(),
            Interceptors = TemporalTelemetry.Interceptors(services),
        }));
        return builder;
    }

    /// <summary>Connects the client, retrying with a growing pause (up to 5 s) until Temporal answers or the host stops.</summary>
    public static async Task WaitUntilConnectedAsync(this ITemporalClient client, ILogger logger, CancellationToken cancellationToken)
    {
        var pause = TimeSpan.FromMilliseconds(200);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await client.Connection.ConnectAsync();
                return;
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                LogNotReachable(logger, client.Connection.Options.TargetHost ?? "(unknown)", attempt, error.Message);
            }

            await Task.Delay(pause, cancellationToken);
            pause = TimeSpan.FromMilliseconds(Math.Min(pause.TotalMilliseconds * 2, 5_000));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Temporal at {Address} is not reachable yet (attempt {Attempt}): {Reason}")]
    private static partial void LogNotReachable(ILogger logger, string address, int attempt, string reason);
}

/// <summary>Holds the host's start until the Temporal client is connected, so the workers registered after it can start.</summary>
public sealed class TemporalConnectionWaiter(ITemporalClient client, ILogger<TemporalConnectionWaiter> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => client.WaitUntilConnectedAsync(logger, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
