using Temporalio.Common;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace OmniFlow.Fulfillment.Notifications;

/// <summary>How an order's notification workflow starts: the events so far.</summary>
public sealed record NotificationInput(string OrderId, string? UserId, IReadOnlyList<OrderEvent> Events, bool Final = false);

/// <summary>More events of the order; <paramref name="Final"/>: the order has ended.</summary>
public sealed record NotificationBatch(IReadOnlyList<OrderEvent> Events, bool Final);

/// <summary>
/// Delivers one order's events (workflow id <c>&lt;order id&gt;-notifications</c>), started by the order's workflow and
/// left running when it closes (parent close policy Abandon), so no delivery can hold the order back. Each target gets
/// the events it subscribes to in the order they happened, each retried with backoff up to the retry horizon, then
/// given up. It also owns the payment reminder: a timer that fires the configured time before an unpaid order's deadline.
/// It ends once the order has ended and every event has been delivered or given up to every target; until then a late
/// event (<see cref="LateEventActivities"/>) still reaches every target, even one that had caught up.
/// </summary>
[Workflow]
public sealed class NotificationWorkflow
{
    public const string EventsSignal = "Events";

    /// <summary>Marks the runs whose targets, once caught up with the ended order, wait for the others (and take late events meanwhile).</summary>
    public const string WaitForAllTargetsPatch = "wait-for-all-targets";

    public static string WorkflowId(string orderId) => $"{orderId}-notifications";

    private static readonly ActivityOptions Bookkeeping = new()
    {
        StartToCloseTimeout = TimeSpan.FromSeconds(30),
        RetryPolicy = new() { InitialInterval = TimeSpan.FromSeconds(1), MaximumInterval = TimeSpan.FromMinutes(1), MaximumAttempts = 0 },
    };

    private readonly string orderId;
    private readonly string? userId;
    private readonly List<OrderEvent> events = [];
    private readonly HashSet<string> received = new(StringComparer.Ordinal);
    private bool final;
    private bool reminderDone;
    private int caughtUpTargets;

    [WorkflowInit]
    public NotificationWorkflow(NotificationInput input)
    {
        orderId = input.OrderId;
        userId = input.UserId;
        Take(new NotificationBatch(input.Events, input.Final));
    }

    [WorkflowSignal(EventsSignal)]
    public Task EventsAsync(NotificationBatch batch)
    {
        Take(batch);
        return Task.CompletedTask;
    }

    [WorkflowRun]
    public async Task RunAsync(NotificationInput input)
    {
        var plan = await Workflow.ExecuteLocalActivityAsync(
            (DeliveryActivities activities) => activities.PlanNotificationsAsync(),
            new() { StartToCloseTimeout = TimeSpan.FromSeconds(10), RetryPolicy = Bookkeeping.RetryPolicy });
        if (plan.Targets.Count == 0)
        {
            return;
        }

        await Workflow.WhenAllAsync([RemindAsync(plan), .. plan.Targets.Select(target => DeliverAllAsync(target, plan, plan.Targets.Count))]);
    }

    private bool PaymentSettled => final || events.Any(e => NotificationEvents.SettlesPayment(e.Type));

    private void Take(NotificationBatch batch)
    {
        events.AddRange(batch.Events.Where(e => received.Add(e.Id)));
        final |= batch.Final;
    }

    private async Task DeliverAllAsync(NotificationTarget target, NotificationPlan plan, int targets)
    {
        var delivery = new ActivityOptions
        {
            StartToCloseTimeout = TimeSpan.FromSeconds(30),
            ScheduleToCloseTimeout = plan.RetryHorizon,
            RetryPolicy = new RetryPolicy
            {
                InitialInterval = TimeSpan.FromSeconds(1),
                BackoffCoefficient = 2,
                MaximumInterval = plan.MaximumRetryInterval,
                MaximumAttempts = 0,
                NonRetryableErrorTypes = [DeliveryActivities.UnknownTargetError],
            },
        };

        for (var next = 0; ; next++)
        {
            await Workflow.WaitConditionAsync(() => next < events.Count || (final && reminderDone));
            if (next >= events.Count)
            {
                if (!Workflow.Patched(WaitForAllTargetsPatch))
                {
                    return;
                }

                caughtUpTargets++;
                await Workflow.WaitConditionAsync(() => next < events.Count || caughtUpTargets == targets);
                if (next >= events.Count)
                {
                    return;
                }

                caughtUpTargets--;
            }

            if (!target.Events.Contains(events[next].Type))
            {
                continue;
            }

            var request = new DeliveryRequest(target.Name, userId, events[next]);
            try
            {
                await Workflow.ExecuteActivityAsync((DeliveryActivities activities) => activities.DeliverAsync(request), delivery);
            }
            catch (ActivityFailureException)
            {
                await Workflow.ExecuteActivityAsync((DeliveryActivities activities) => activities.GiveUpAsync(request), Bookkeeping);
            }
        }
    }

    /// <summary>Once the order awaits payment, waits until the reminder is due; reminds unless the order was paid or ended meanwhile.</summary>
    private async Task RemindAsync(NotificationPlan plan)
    {
        try
        {
            await Workflow.WaitConditionAsync(() => final || events.Any(e => e.Type == NotificationEvents.AwaitingPayment));
            var awaiting = events.FirstOrDefault(e => e.Type == NotificationEvents.AwaitingPayment);
            if (awaiting is null || PaymentSettled)
            {
                return;
            }

            var deadline = awaiting.Data.GetProperty("payment_deadline").GetDateTime();
            var wait = deadline - plan.PaymentReminderBefore - Workflow.UtcNow;
            if (wait > TimeSpan.Zero && !await Workflow.WaitConditionAsync(() => PaymentSettled, wait) && !PaymentSettled)
            {
                events.Add(new OrderEvent(
                    NotificationEvents.EventId(orderId, NotificationEvents.PaymentReminder), NotificationEvents.PaymentReminder, Workflow.UtcNow, orderId, awaiting.Data));
            }
        }
        finally
        {
            reminderDone = true;
        }
    }
}
