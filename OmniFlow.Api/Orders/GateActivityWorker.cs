using OmniFlow.Fulfillment.Admission;
using OmniFlow.Fulfillment.Orders;
using OmniFlow.Fulfillment.Reconciliation;
using Temporalio.Client;
using Temporalio.Worker;

namespace OmniFlow.Api.Orders;

/// <summary>
/// The Api's small Temporal worker on <c>Temporal:GateTaskQueue</c>: it serves the release-admission activity and the
/// reconciliation's gate steps, because the Api owns the gate. It waits in the background for Temporal, so the Api serves (and answers 503) meanwhile.
/// </summary>
public sealed class GateActivityWorker(
    ITemporalClient client, IAdmissionGate gate, GateReconciliationActivities reconciliation, TemporalSettings settings, ILogger<GateActivityWorker> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await client.WaitUntilConnectedAsync(logger, stoppingToken);
        using var worker = new TemporalWorker(client, new TemporalWorkerOptions(settings.GateTaskQueue)
            .AddAllActivities(new AdmissionActivities(gate))
            .AddAllActivities(reconciliation));
        try
        {
            await worker.ExecuteAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Graceful shutdown: in-flight activities were given the shutdown grace period.
        }
    }
}
