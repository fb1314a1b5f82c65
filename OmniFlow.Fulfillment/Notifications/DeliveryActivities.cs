using OmniFlow.Fulfillment.Persistence;
using Temporalio.Activities;
using Temporalio.Exceptions;

namespace OmniFlow.Fulfillment.Notifications;

/// <summary>What a notification workflow delivers to, and how: taken from the Worker's configuration once, when it starts.</summary>
public sealed record NotificationPlan(IReadOnlyList<NotificationTarget> Targets, TimeSpan PaymentReminderBefore, TimeSpan RetryHorizon, TimeSpan MaximumRetryInterval);

/// <summary>The notification center's activities: the plan, one delivery attempt, and the record of a delivery given up.</summary>
public sealed class DeliveryActivities(IEnumerable<INotificationChannel> channels, NotificationSettings settings, NotificationStore store)
{
    public const string Plan = "PlanNotifications";
    public const string Deliver = "DeliverNotification";
    public const string GiveUp = "GiveUpNotification";

    /// <summary>The error type of a delivery to a target that is no longer configured: not retried.</summary>
    public const string UnknownTargetError = "UnknownNotificationTarget";

    [Activity(Plan)]
    public Task<NotificationPlan> PlanNotificationsAsync() => Task.FromResult<NotificationPlan>(new([.. channels.SelectMany(channel => channel.Targets)], settings.PaymentReminderBefore, settings.RetryHorizon, settings.MaximumRetryInterval));

    /// <summary>One attempt; its outcome is recorded whichever way it goes, and a failure is thrown for Temporal to retry.</summary>
    [Activity(Deliver)]
    public async Task DeliverAsync(DeliveryRequest request)
    {
        var context = ActivityExecutionContext.Current;
        var token = context.CancellationToken;
        var (channel, target) = Find(request.Target);
        string outcome;
        try
        {
            outcome = await channel.DeliverAsync(target, request, token);
        }
        catch (Exception failure) when (!token.IsCancellationRequested)
        {
            await store.RecordAsync(target, request.Event, context.Info.Attempt, NotificationDelivery.Failing, failure.Message, token);
            throw;
        }

        var delivered = outcome == "delivered";
        await store.RecordAsync(target, request.Event, context.Info.Attempt, delivered ? NotificationDelivery.Delivered : NotificationDelivery.Skipped, delivered ? null : outcome, token);
    }

    [Activity(GiveUp)]
    public Task GiveUpAsync(DeliveryRequest request)
    {
        var target = channels.SelectMany(channel => channel.Targets).FirstOrDefault(t => t.Name == request.Target)
            ?? new NotificationTarget(request.Target, request.Target, []);
        return store.RecordAsync(target, request.Event, 0, NotificationDelivery.GivenUp, null, ActivityExecutionContext.Current.CancellationToken);
    }

    private (INotificationChannel Channel, NotificationTarget Target) Find(string name)
    {
        foreach (var channel in channels)
        {
            if (channel.Targets.FirstOrDefault(target => target.Name == name) is { } target)
            {
                return (channel, target);
            }
        }

        throw new ApplicationFailureException($"Notification target '{name}' is no longer configured.", UnknownTargetError, nonRetryable: true);
    }
}
