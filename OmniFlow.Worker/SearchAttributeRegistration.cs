using OmniFlow.Fulfillment.Orders;
using Temporalio.Client;

namespace OmniFlow.Worker;

/// <summary>At start, once Temporal answers, registers the search attributes order workflows upsert (when they are on).</summary>
public sealed class SearchAttributeRegistration(ITemporalClient client, TemporalSettings settings, ILogger<SearchAttributeRegistration> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (settings.SearchAttributes)
        {
            await OrderSearchAttributes.RegisterAsync(client, settings.Namespace, logger, cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
