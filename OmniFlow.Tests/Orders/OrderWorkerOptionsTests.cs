using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OmniFlow.Fulfillment.Orders;
using OmniFlow.Worker;
using Temporalio.Extensions.Hosting;

namespace OmniFlow.Tests.Orders;

public sealed class OrderWorkerOptionsTests
{
    [Fact]
    public async Task The_order_worker_keeps_the_configured_cache_and_leaves_the_scheduler_check_to_the_test_workers()
    {
        await using var app = OrderWorkerApp.Build(["--Temporal:MaxCachedWorkflows=1234"]);

        var options = app.Services.GetRequiredService<IOptionsMonitor<TemporalWorkerServiceOptions>>()
            .Get(app.Services.GetRequiredService<TemporalSettings>().TaskQueue);

        Assert.Equal(1234, options.MaxCachedWorkflows);
        Assert.True(options.DisableWorkflowTracingEventListener);
    }
}
