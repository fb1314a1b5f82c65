namespace OmniFlow.Fulfillment.Orders;

/// <summary>
/// One line of an order: a quantity of a sku, shipped from the sku's warehouse. The same record in the workflow's input and
/// Status query, the stored order and the Api's answers (snake_case there).
/// </summary>
public sealed record OrderItem(string Sku, int Quantity, string Warehouse);

/// <summary>
/// The settings an order workflow runs with, taken from the Api's configuration when the order starts
/// (a workflow never reads configuration: it must replay the same way later). <c>ReserveTimeout</c> is how long the
/// reservation keeps retrying through a database outage: the payment timeout when unset, so an order admitted during an
/// outage of minutes still gets its stock, and one that cannot fails no later than it could have been paid.
/// <c>Notifications</c>: a notification channel is configured, so the order hands its events to a
/// <see cref="Notifications.NotificationWorkflow"/>; when false (and in histories from before it) nothing of the kind runs.
/// <c>InventoryTaskQueue</c>: the stock movements run there, on inventory workers of their own; when null (and in
/// histories from before it) this worker runs them, the reservation as a local activity.
/// <c>UpsertSearchAttributes</c>: no order starts with it on any more; only runs started before its removal hold true,
/// and keep upserting their OrderStatus and UserId search attributes so their histories replay.
/// </summary>
public sealed record OrderWorkflowOptions(
    decimal AuditThreshold,
    TimeSpan AuditTimeout,
    TimeSpan PaymentTimeout,
    string GateTaskQueue,
    bool UpsertSearchAttributes = false,
    TimeSpan? ReserveTimeout = null,
    int ShipMaximumAttempts = 3,
    bool Notifications = false,
    string? InventoryTaskQueue = null);

/// <summary>What an order workflow starts with; <paramref name="IdempotencyKey"/> is the creating request's key, kept on the stored order.</summary>
public sealed record OrderInput(string OrderId, string? UserId, IReadOnlyList<OrderItem> Items, decimal Amount, OrderWorkflowOptions Options, string? IdempotencyKey = null);

/// <summary>How an order ended: business failures are results, not exceptions.</summary>
public sealed record OrderResult(string OrderId, OrderStatus Status, string? Reason = null);

/// <summary>
/// The payment webhook's confirmation: the argument of the order's Pay update (and of the Pay signal, which histories
/// written before the update still hold). <paramref name="ReceivedAt"/>: when the Api received it, the moment the
/// payment deadline is compared with; null on a signal, whose moment is its place in the history.
/// </summary>
public sealed record PaymentConfirmation(string PaymentId, decimal Amount, DateTime? ReceivedAt = null);

/// <summary>An audit's decision; <paramref name="ReceivedAt"/> as for <see cref="PaymentConfirmation"/>.</summary>
public sealed record AuditDecision(bool Approved, string? Reason, DateTime? ReceivedAt = null);

public sealed record TimelineEntry(DateTime At, string Event);

/// <summary>
/// What the order looks like now: the workflow's Status query and the row written at each transition. <paramref name="Ending"/>:
/// the order is compensating or ending and takes no payment, while <paramref name="Status"/> still shows where it was.
/// </summary>
public sealed record OrderView(
    string OrderId,
    OrderStatus Status,
    string? UserId,
    IReadOnlyList<OrderItem> Items,
    decimal Amount,
    DateTime? PaymentDeadline,
    IReadOnlyList<TimelineEntry> Timeline,
    string? PaymentId = null,
    string? Reason = null,
    bool Ending = false);

/// <summary>The order's row as the workflow writes it at one transition.</summary>
public sealed record OrderSnapshot(OrderView Order, string? IdempotencyKey, DateTime At);
