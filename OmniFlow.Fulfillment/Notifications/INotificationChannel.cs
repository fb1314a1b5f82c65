namespace OmniFlow.Fulfillment.Notifications;

/// <summary>One place a channel delivers to (<c>webhook-0</c>, <c>email</c>, <c>sms</c>), and the events it takes.</summary>
public sealed record NotificationTarget(string Name, string Channel, IReadOnlyList<string> Events);

/// <summary>One event for one target; <paramref name="UserId"/> is the order's buyer.</summary>
public sealed record DeliveryRequest(string Target, string? UserId, OrderEvent Event);

/// <summary>
/// A notification channel: a plugin the notification center delivers through. Its targets are what its configuration
/// names (none when it is off); the center delivers each event to each target in order, retrying a failed delivery.
/// </summary>
public interface INotificationChannel
{
    IReadOnlyList<NotificationTarget> Targets { get; }

    /// <summary>Delivers the event, or throws (and the attempt is retried). Answers what happened: "delivered", or why nothing was sent.</summary>
    Task<string> DeliverAsync(NotificationTarget target, DeliveryRequest request, CancellationToken cancellationToken);
}
