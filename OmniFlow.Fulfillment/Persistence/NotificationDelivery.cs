namespace OmniFlow.Fulfillment.Persistence;

/// <summary>One event's delivery to one target (a webhook, the mail, SMS): how many attempts so far and how the last went.</summary>
public sealed class NotificationDelivery
{
    public const string Delivered = "delivered";
    public const string Failing = "failing";
    public const string Skipped = "skipped";
    public const string GivenUp = "given_up";

    public required string EventId { get; set; }

    public required string Target { get; set; }

    public required string OrderId { get; set; }

    public required string EventType { get; set; }

    public required string Channel { get; set; }

    public DateTimeOffset OccurredAt { get; set; }

    public int Attempts { get; set; }

    /// <summary><see cref="Delivered"/>, <see cref="Failing"/> (being retried), <see cref="Skipped"/> or <see cref="GivenUp"/>.</summary>
    public required string Status { get; set; }

    /// <summary>What the last attempt answered, when it was not a delivery.</summary>
    public string? LastError { get; set; }

    public DateTimeOffset LastAttemptAt { get; set; }
}
