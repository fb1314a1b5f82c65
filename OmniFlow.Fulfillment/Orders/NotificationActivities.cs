using Microsoft.Extensions.Logging;
using Temporalio.Activities;

namespace OmniFlow.Fulfillment.Orders;

/// <summary>
/// The placeholder notification from before the notification center (<c>OmniFlow.Fulfillment.Notifications</c>): a log
/// line. Only orders whose history already holds it run it (<see cref="OrderWorkflow.NotificationCenterPatch"/>), so
/// it stays registered for them.
/// </summary>
public sealed partial class NotificationActivities(ILogger<NotificationActivities> logger)
{
    public const string Notify = "Notify";

    [Activity(Notify)]
    public Task NotifyAsync(OrderNotification notification)
    {
        LogNotification(notification.OrderId, notification.UserId ?? "(anonymous)", notification.Message);
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId} for {UserId}: {Message}")]
    private partial void LogNotification(string orderId, string userId, string message);
}
