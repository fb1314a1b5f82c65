namespace OmniFlow.Fulfillment.Notifications;

/// <summary>The events the notification center delivers, by their wire names.</summary>
public static class NotificationEvents
{
    public const string Admitted = "order.admitted";
    public const string AwaitingPayment = "order.awaiting_payment";
    public const string PaymentReminder = "order.payment_reminder";
    public const string Paid = "order.paid";
    public const string Shipped = "order.shipped";
    public const string Completed = "order.completed";
    public const string Cancelled = "order.cancelled";
    public const string Failed = "order.failed";
    public const string Refunded = "payment.refunded";

    public static readonly IReadOnlyList<string> All = [Admitted, AwaitingPayment, PaymentReminder, Paid, Shipped, Completed, Cancelled, Failed, Refunded];

    /// <summary>The events after which an order takes no payment: a pending payment reminder is dropped.</summary>
    public static bool SettlesPayment(string type) => type is Paid or Completed or Cancelled or Failed;

    /// <summary>
    /// An event's id, the same however often it is delivered: the order, the event, and what tells two events of one
    /// type of one order apart (the warehouse of a shipment, the payment of a refund).
    /// </summary>
    public static string EventId(string orderId, string type, string? key = null) =>
        key is null ? $"{orderId}/{type}" : $"{orderId}/{type}/{key}";
}
