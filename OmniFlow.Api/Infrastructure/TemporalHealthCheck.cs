using Microsoft.Extensions.Diagnostics.HealthChecks;
using Temporalio.Client;

namespace OmniFlow.Api.Infrastructure;

/// <summary>Healthy when the Temporal frontend answers GetSystemInfo (what every SDK calls first) within two seconds.</summary>
public sealed class TemporalHealthCheck(ITemporalClient client) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            if (!client.Connection.IsConnected)
            {
                await client.Connection.ConnectAsync().WaitAsync(timeout.Token);
            }

            await client.Connection.WorkflowService.GetSystemInfoAsync(new(), new() { CancellationToken = timeout.Token });
            return HealthCheckResult.Healthy();
        }
        catch (Exception error) when (error is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy("Temporal is not reachable.", error);
        }
    }
}
