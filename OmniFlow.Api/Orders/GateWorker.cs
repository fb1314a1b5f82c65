using Microsoft.Extensions.Options;
using OmniFlow.Fulfillment.Orders;
using OmniFlow.Fulfillment.Reconciliation;
using Temporalio.Client;
using Temporalio.Extensions.Hosting;

namespace OmniFlow.Api.Orders;

/// <summary>
/// The Api's Temporal worker on <c>Temporal:GateTaskQueue</c>: it serves the release-admission activity and the
/// reconciliation's gate steps, because the Api owns the gate. Hosted by Temporalio.Extensions.Hosting, as the Worker's are.
/// </summary>
public sealed class GateWorker : TemporalWorkerService
{
    private readonly ITemporalClient client;
    private readonly ILogger<GateWorker> logger;

    public GateWorker(TemporalSettings settings, IOptionsMonitor<TemporalWorkerServiceOptions> options, ITemporalClient client, ILoggerFactory loggers)
        : base(new TemporalWorkerServiceIdentifier(settings.GateTaskQueue, Version: null, VersionIsBuildId: false), options, client, loggers)
    {
        this.client = client;
        logger = loggers.CreateLogger<GateWorker>();
    }

    /// <summary>Registers the gate worker and its activities.</summary>
    public static void AddTo(IServiceCollection services, TemporalSettings settings)
    {
        services.AddHostedService<GateWorker>();
        new TemporalWorkerServiceOptionsBuilder(settings.GateTaskQueue, services)
            .ConfigureOptions(options => options.TaskQueue = settings.GateTaskQueue, disallowDuplicates: true)
            .AddSingletonActivities<AdmissionActivities>()
            .AddSingletonActivities<GateReconciliationActivities>();
    }

    // The library's own registration (AddHostedTemporalWorker) connects once at start and, Temporal down, fails and stops
    // the host; the Api must serve (and answer 503) meanwhile, so this subclass first waits in the background for Temporal.
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await client.WaitUntilConnectedAsync(logger, stoppingToken);
        await base.ExecuteAsync(stoppingToken);
    }
}
