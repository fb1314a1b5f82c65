using Temporalio.Activities;
using Temporalio.Client;

namespace OmniFlow.Fulfillment.Notifications;

/// <summary>Events of an order that come after its last batch was handed over (a refund while it ends, or after it closed).</summary>
public sealed record LateEvents(string OrderId, string? UserId, IReadOnlyList<OrderEvent> Events);

/// <summary>
/// Hands late events to the order's <see cref="NotificationWorkflow"/> by signal-with-start: the running one takes
/// them as one more batch (it drops an event id it already has); once it has closed, a new run of the same id
/// delivers them, so a late event is neither dropped nor delivered by a second workflow beside the order's.
/// </summary>
public sealed class LateEventActivities(ITemporalClient client)
{
    public const string HandOver = "HandOverLateEvents";

    [Activity(HandOver)]
    public Task HandOverAsync(LateEvents late)
    {
        var context = ActivityExecutionContext.Current;
        var batch = new NotificationBatch(late.Events, Final: true);
        var options = new WorkflowOptions(NotificationWorkflow.WorkflowId(late.OrderId), context.Info.TaskQueue)
        {
            Rpc = new() { CancellationToken = context.CancellationToken },
        };
        options.SignalWithStart((NotificationWorkflow workflow) => workflow.EventsAsync(batch));
        var start = new NotificationInput(late.OrderId, late.UserId, Events: [], Final: true);
        return client.StartWorkflowAsync((NotificationWorkflow workflow) => workflow.RunAsync(start), options);
    }
}
