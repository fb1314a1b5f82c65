using Microsoft.Extensions.Logging;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace OmniFlow.Fulfillment.Notifications;

/// <summary>
/// The order workflow's side of the notification center (workflow code): hands the order's events to its
/// <see cref="NotificationWorkflow"/>, started with the first event. The order never waits for a delivery: events go
/// over as signals in the background, and only the order's end waits for the last batch to be handed over (the
/// events from its end on go together, marked final). Events after that batch (a refund while the order ends) are
/// late: the notification workflow may have closed meanwhile, so they go through <see cref="LateEventActivities"/>.
/// A notification workflow that cannot be reached is given up: the order goes on.
/// </summary>
public sealed class OrderNotifier(string orderId, string? userId)
{
    /// <summary>Marks the runs that hand late events over by signal-with-start; runs before it signalled the child (and lost them once it had closed).</summary>
    public const string LateEventsPatch = "late-notification-events";

    private readonly List<OrderEvent> pending = [];
    private Task? sender;
    private bool ended;
    private bool flushing;
    private bool sending;
    private bool stopped;
    private bool finalSent;

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
                if (finalSent && Workflow.Patched(LateEventsPatch))
                {
                    await HandOverLateAsync(new LateEvents(orderId, userId, batch.Events));
                }
                else
                {
                    await child.SignalAsync(workflow => workflow.EventsAsync(batch), new() { CancellationToken = CancellationToken.None });
                }

                finalSent |= batch.Final;
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

    /// <summary>Workflow code: hands <paramref name="late"/> over to the order's notification workflow, running or closed.</summary>
    public static Task HandOverLateAsync(LateEvents late) =>
        Workflow.ExecuteActivityAsync(
            (LateEventActivities activities) => activities.HandOverAsync(late),
            new()
            {
                StartToCloseTimeout = TimeSpan.FromSeconds(30),
                RetryPolicy = new() { InitialInterval = TimeSpan.FromSeconds(1), MaximumInterval = TimeSpan.FromMinutes(1), MaximumAttempts = 0 },
                CancellationToken = CancellationToken.None,
            });

    private List<OrderEvent> Take()
    {
        var taken = pending.ToList();
        pending.Clear();
        return taken;
    }
}
