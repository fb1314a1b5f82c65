using Microsoft.Extensions.Logging;
using Temporalio.Activities;

namespace OmniFlow.Fulfillment.Orders;

/// <summary>Tells the buyer what happened; a log line until a notification center exists.</summary>
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
