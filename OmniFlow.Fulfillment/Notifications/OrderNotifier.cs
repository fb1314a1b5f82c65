using Microsoft.Extensions.Logging;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace OmniFlow.Fulfillment.Notifications;

/// <summary>
/// The order workflow's side of the notification center (workflow code): hands the order's events to its
/// <see cref="NotificationWorkflow"/>, started with the first event. The order never waits for a delivery: events go
/// over as signals in the background, and only the order's end waits for the last batch to be handed over (the
/// events from its end on go together, marked final). A notification workflow that cannot be reached is given up:
/// the order goes on.
/// </summary>
public sealed class OrderNotifier(string orderId, string? userId)
{
    private readonly List<OrderEvent> pending = [];
    private Task? sender;
    private bool ended;
    private bool flushing;
    private bool sending;
    private bool stopped;

    /// <summary>Every event published so far has been handed over (or never will be).</summary>
    public bool Flushed => stopped || (pending.Count == 0 && !sending);

    public void Publish(OrderEvent e)
    {
        if (stopped)
        {
            return;
        }

        pending.Add(e);
        ended |= e.Type is NotificationEvents.Completed or NotificationEvents.Cancelled or NotificationEvents.Failed;
        sender ??= SendAsync();
    }

    /// <summary>Hands over what is left, marked final; called when the order ends.</summary>
    public Task FlushAsync()
    {
        flushing = true;
        return Workflow.WaitConditionAsync(() => Flushed, CancellationToken.None);
    }

    private async Task SendAsync()
    {
        try
        {
            sending = true;
            var child = await Workflow.StartChildWorkflowAsync(
                (NotificationWorkflow workflow) => workflow.RunAsync(new NotificationInput(orderId, userId, Take())),
                new ChildWorkflowOptions
                {
                    Id = NotificationWorkflow.WorkflowId(orderId),
                    ParentClosePolicy = ParentClosePolicy.Abandon,
                    CancellationToken = CancellationToken.None,
                });
            sending = false;
            while (true)
            {
                await Workflow.WaitConditionAsync(() => pending.Count > 0 && (!ended || flushing), CancellationToken.None);
                sending = true;
                var batch = new NotificationBatch(Take(), ended);
                await child.SignalAsync(workflow => workflow.EventsAsync(batch), new() { CancellationToken = CancellationToken.None });
                sending = false;
            }
        }
        catch (TemporalException failure)
        {
            stopped = true;
            pending.Clear();
            Workflow.Logger.LogWarning(failure, "Order {OrderId}: its notifications could not be handed over and are dropped", orderId);
        }
    }

    private List<OrderEvent> Take()
    {
        var taken = pending.ToList();
        pending.Clear();
        return taken;
    }
}
