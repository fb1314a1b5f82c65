using OmniFlow.Fulfillment.Orders;
using OmniFlow.Fulfillment.Reconciliation;
using Temporalio.Client;

namespace OmniFlow.Worker;

/// <summary>At start, once Temporal answers, creates the daily reconciliation's Schedule (or brings it up to date); none when <c>Reconciliation:Schedule</c> is empty.</summary>
public sealed class ReconciliationScheduleRegistration(ITemporalClient client, ReconciliationSettings settings, TemporalSettings temporal) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) =>
        string.IsNullOrWhiteSpace(settings.Schedule)
            ? Task.CompletedTask
            : ReconciliationSchedule.EnsureAsync(client, settings, temporal.TaskQueue, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
