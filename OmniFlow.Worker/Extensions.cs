using OmniFlow.Fulfillment.Notifications;
using OmniFlow.Fulfillment.Orders;
using OmniFlow.Fulfillment.Payments;
using OmniFlow.Fulfillment.Persistence;
using OmniFlow.Fulfillment.Reconciliation;
using OmniFlow.Fulfillment.Shipping;
using Temporalio.Extensions.Hosting;

namespace OmniFlow.Worker;

public static class Extensions
{
    /// <summary>
    /// The order worker: the database of record, the payment provider and the carrier, and hosted Temporal workers for
    /// the queues it serves (<see cref="WorkerRoles"/>): on <c>Temporal:TaskQueue</c> the order workflows, the
    /// reconciliation, the notification center and their activities; on <c>Temporal:InventoryTaskQueue</c>, when set, the stock movements.
    /// It starts once Temporal answers.
    /// </summary>
    public static IHostApplicationBuilder AddOrderWorker(this IHostApplicationBuilder builder)
    {
        builder.AddOmniFlowDatabase();
        builder.AddOmniFlowTemporalClient();

        var services = builder.Services;
        services.Configure<ShippingOptions>(builder.Configuration.GetSection(ShippingOptions.Section));
        services.AddSingleton<IPaymentProvider, FakePaymentProvider>();
        services.AddSingleton<ICarrier, FakeCarrier>();
        services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(30));

        services.AddHostedService<TemporalConnectionWaiter>();
        var temporal = TemporalSettings.From(builder.Configuration);
        var roles = WorkerRoles.From(builder.Configuration, temporal);
        var inventoryApart = !string.IsNullOrWhiteSpace(temporal.InventoryTaskQueue);
        if (roles.Orders)
        {
            services.AddSingleton(ReconciliationSettings.From(builder.Configuration));
            services.AddSingleton<ReconciliationStore>();
            services.AddHostedService<ReconciliationScheduleRegistration>();
            builder.AddNotificationCenter();

            // The stock activities stay registered here too: histories from before the split reserve as a local activity.
            services.AddHostedTemporalWorker(temporal.TaskQueue)
                .ConfigureOptions(options =>
                {
                    options.MaxCachedWorkflows = temporal.MaxCachedWorkflows;

                    // The SDK's check that workflow code keeps to the workflow's scheduler listens to every task of the
                    // process; here it cost a sixth of the Worker's allocations per order (bench/results.md, 2026-12-05).
                    // The workflow tests' own workers and the history replays keep it.
                    options.DisableWorkflowTracingEventListener = true;
                })
                .AddWorkflow<OrderWorkflow>()
                .AddWorkflow<ShipmentWorkflow>()
                .AddWorkflow<LatePaymentRefundWorkflow>()
                .AddWorkflow<ReconciliationWorkflow>()
                .AddWorkflow<NotificationWorkflow>()
                .AddScopedActivities<InventoryActivities>()
                .AddScopedActivities<PaymentActivities>()
                .AddScopedActivities<ShippingActivities>()
                .AddScopedActivities<NotificationActivities>()
                .AddScopedActivities<DeliveryActivities>()
                .AddScopedActivities<LateEventActivities>()
                .AddScopedActivities<OrderRecordActivities>()
                .AddScopedActivities<DeadlineActivities>()
                .AddScopedActivities<ReconciliationActivities>();
        }

        if (roles.Inventory && inventoryApart)
        {
            services.AddHostedTemporalWorker(temporal.InventoryTaskQueue!)
                .AddScopedActivities<InventoryActivities>();
        }

        return builder;
    }
}
