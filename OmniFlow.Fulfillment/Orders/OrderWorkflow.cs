using OmniFlow.Fulfillment.Inventory;
using OmniFlow.Fulfillment.Notifications;
using OmniFlow.Fulfillment.Payments;
using OmniFlow.Fulfillment.Shipping;
using Temporalio.Common;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace OmniFlow.Fulfillment.Orders;

/// <summary>
/// One order, from admission to delivery (workflow id = order id): reserve, audit when large, wait for payment against
/// a durable timer, capture, ship per warehouse in parallel children, and undo everything done so far when a step fails.
/// Payments and audit decisions come as Workflow Updates, which answer definitely; the Pay and Audit signals stay for
/// the orders started before the updates, whose histories hold them.
/// </summary>
[Workflow(WorkflowType)]
public sealed class OrderWorkflow
{
    /// <summary>The workflow's type name, the SDK's default for this class, which every history records.</summary>
    public const string WorkflowType = nameof(OrderWorkflow);

    public const string PaySignal = "Pay";
    public const string AuditSignal = "Audit";
    public const string PayUpdate = "PayOrder";
    public const string AuditUpdate = "AuditOrder";
    public const string StatusQuery = "Status";

    /// <summary>The Pay update's failure when the amount is not the order's: its validator refuses it, nothing is written.</summary>
    public const string AmountMismatchError = "AmountMismatch";

    /// <summary>The Pay update's failure when the order can no longer take the payment: the payment has been refunded.</summary>
    public const string NotPayableError = "NotPayable";

    /// <summary>The Audit update's failure when the order is not (or no longer) awaiting an audit.</summary>
    public const string NotAwaitingAuditError = "NotAwaitingAudit";

    /// <summary>
    /// Marks the runs that look again at a signal delivered in the task in which its deadline fired; histories written
    /// before it replay as they ran (the signal lost to the timer).
    /// </summary>
    public const string SignalInDeadlineTaskPatch = "signal-in-deadline-task";

    /// <summary>Marks the runs that end without the placeholder Notify activity (which histories before the notification center hold).</summary>
    public const string NotificationCenterPatch = "notification-center";

    /// <summary>
    /// Marks the runs that write the order's row as a local activity, inside the workflow task that moved the order;
    /// histories before it hold an activity task, and one more workflow task, per write.
    /// </summary>
    public const string LocalOrderRecordPatch = "order-record-local";

    /// <summary>A payment's update id: a provider's retries of one payment are one update, which Temporal answers once.</summary>
    public static string PaymentUpdateId(string paymentId) => $"pay-{paymentId}";

    /// <summary>
    /// Every failure of the reservation is transient (stock outcomes are results), so it retries for about
    /// <paramref name="timeout"/>: bounded by attempts, not by a schedule-to-close timeout, which a local activity
    /// measures against the worker's clock and so could replay differently.
    /// </summary>
    private static RetryPolicy ReserveRetry(TimeSpan timeout)
    {
        var interval = TimeSpan.FromSeconds(5);
        return new()
        {
            InitialInterval = TimeSpan.FromSeconds(1),
            BackoffCoefficient = 2,
            MaximumInterval = interval,
            MaximumAttempts = Math.Max(2, (int)(timeout / interval)),
        };
    }

    private static readonly SearchAttributeKey<string> LegacyOrderStatusAttribute = SearchAttributeKey.CreateKeyword("OrderStatus");
    private static readonly SearchAttributeKey<string> LegacyUserIdAttribute = SearchAttributeKey.CreateKeyword("UserId");

    private static readonly RetryPolicy UntilItSucceeds = new()
    {
        InitialInterval = TimeSpan.FromSeconds(1),
        BackoffCoefficient = 2,
        MaximumInterval = TimeSpan.FromMinutes(1),
        MaximumAttempts = 0,
    };

    private readonly OrderInput input;

    /// <summary>Null unless a notification channel is configured (<see cref="OrderWorkflowOptions.Notifications"/>).</summary>
    private readonly OrderNotifier? notifications;
    private readonly List<TimelineEntry> timeline = [];
    private readonly List<PaymentConfirmation> refundsDue = [];
    private readonly HashSet<string> lateOrRefundedPaymentIds = new(StringComparer.Ordinal);
    private OrderStatus status = OrderStatus.Reserving;
    private DateTime? paymentDeadline;
    private DateTime? auditDeadline;
    private PaymentConfirmation? payment;
    private bool paymentCaptured;
    private AuditDecision? audit;
    private string? reason;

    /// <summary>Set once the order has started to end: from then on no payment is accepted, whatever the status shows.</summary>
    private bool ending;

    /// <summary>A Pay update refunded a payment since the order's row was last written.</summary>
    private bool refundUnrecorded;

    [WorkflowInit]
    public OrderWorkflow(OrderInput input)
    {
        this.input = input;
        notifications = input.Options.Notifications ? new OrderNotifier(input.OrderId, input.UserId) : null;
    }

    private OrderWorkflowOptions Options => input.Options;

    [WorkflowQuery(StatusQuery)]
    public OrderView Status() =>
        new(input.OrderId, status, input.UserId, input.Items, input.Amount, paymentDeadline, [.. timeline], payment?.PaymentId, reason, ending);

    [WorkflowSignal(PaySignal)]
    public Task PayAsync(PaymentConfirmation signal)
    {
        if (payment?.PaymentId == signal.PaymentId || lateOrRefundedPaymentIds.Contains(signal.PaymentId))
        {
            return Task.CompletedTask;
        }

        if (!ending && status.IsPayable() && payment is null)
        {
            if (signal.Amount != input.Amount)
            {
                Note($"payment {signal.PaymentId} rejected: amount {WireMoney.Text(signal.Amount)} does not match the order amount {WireMoney.Text(input.Amount)}");
            }
            else
            {
                payment = signal;
                Note($"payment {signal.PaymentId} received");
            }
        }
        else
        {
            lateOrRefundedPaymentIds.Add(signal.PaymentId);
            refundsDue.Add(signal);
            Note($"payment {signal.PaymentId} arrived while the order was {(ending ? "ending" : status.ToWire())}: it will be refunded");
        }

        return Task.CompletedTask;
    }

    [WorkflowSignal(AuditSignal)]
    public Task AuditAsync(AuditDecision decision)
    {
        if (status == OrderStatus.AwaitingAudit && audit is null)
        {
            audit = decision;
            Note(decision.Approved ? "audit approved" : $"audit rejected: {decision.Reason}");
        }

        return Task.CompletedTask;
    }

    /// <summary>A payment of another amount than the order's is refused here, before anything is written to the history.</summary>
    [WorkflowUpdateValidator(nameof(PayOrderAsync))]
    public void ValidatePayOrder(PaymentConfirmation confirmation)
    {
        if (confirmation.Amount != input.Amount)
        {
            throw new ApplicationFailureException(
                $"Payment {confirmation.PaymentId} of {WireMoney.Text(confirmation.Amount)} does not match the order amount {WireMoney.Text(input.Amount)}.", AmountMismatchError);
        }
    }

    /// <summary>
    /// Takes the payment when the order can (it came before the deadline, the order is not ending and has no other
    /// payment) and answers the order; the order's own payment again gets the same answer. Else the payment is refunded
    /// here and the update fails with <see cref="NotPayableError"/>; a payment already refunded is not refunded again.
    /// </summary>
    [WorkflowUpdate(PayUpdate)]
    public async Task<OrderView> PayOrderAsync(PaymentConfirmation confirmation)
    {
        var receivedAt = confirmation.ReceivedAt ?? Workflow.UtcNow;
        if (payment?.PaymentId == confirmation.PaymentId)
        {
            return Status();
        }

        var refusal = PaymentRefusal(receivedAt);
        if (refusal is null && !lateOrRefundedPaymentIds.Contains(confirmation.PaymentId))
        {
            payment = confirmation with { ReceivedAt = receivedAt };
            Note($"payment {confirmation.PaymentId} received");
            return Status();
        }

        if (lateOrRefundedPaymentIds.Add(confirmation.PaymentId))
        {
            Note($"payment {confirmation.PaymentId} arrived {refusal}: it will be refunded");
            await RefundAsync(confirmation, $"order {(ending ? "ending" : status.ToWire())}", CancellationToken.None);
            refundUnrecorded = true;
        }

        throw new ApplicationFailureException(
            $"Order {input.OrderId} is {(ending ? "ending" : status.ToWire())} and no longer payable; payment {confirmation.PaymentId} is refunded.",
            NotPayableError);
    }

    [WorkflowUpdateValidator(nameof(AuditOrderAsync))]
    public void ValidateAuditOrder(AuditDecision decision)
    {
        if (AuditRefusal(decision.ReceivedAt ?? Workflow.UtcNow) is { } refusal)
        {
            throw new ApplicationFailureException(refusal, NotAwaitingAuditError);
        }
    }

    /// <summary>Takes the audit's decision and answers the order; the order then goes on to payment or fails.</summary>
    [WorkflowUpdate(AuditUpdate)]
    public Task<OrderView> AuditOrderAsync(AuditDecision decision)
    {
        var receivedAt = decision.ReceivedAt ?? Workflow.UtcNow;

        // Validated when it came; looked at again in case the order moved on in the same workflow task.
        if (AuditRefusal(receivedAt) is { } refusal)
        {
            throw new ApplicationFailureException(refusal, NotAwaitingAuditError);
        }

        audit = decision with { ReceivedAt = receivedAt };
        Note(decision.Approved ? "audit approved" : $"audit rejected: {decision.Reason}");
        return Task.FromResult(Status());
    }

    /// <summary>Null when a payment received at <paramref name="receivedAt"/> is the order's to keep, else when it came.</summary>
    private string? PaymentRefusal(DateTime receivedAt)
    {
        if (ending || !status.IsPayable() || payment is not null)
        {
            return $"while the order was {(ending ? "ending" : status.ToWire())}";
        }

        return receivedAt >= paymentDeadline ? "after the payment deadline" : null;
    }

    private string? AuditRefusal(DateTime receivedAt)
    {
        if (ending || status != OrderStatus.AwaitingAudit || audit is not null)
        {
            return $"Order {input.OrderId} is {(ending ? "ending" : status.ToWire())}, not awaiting an audit.";
        }

        return receivedAt >= auditDeadline ? $"The audit of order {input.OrderId} timed out." : null;
    }

    [WorkflowRun]
    public async Task<OrderResult> RunAsync(OrderInput order)
    {
        var saga = new Saga();
        try
        {
            return await RunLifecycleAsync(saga);
        }
        catch (Exception error) when (Workflow.CancellationToken.IsCancellationRequested && TemporalException.IsCanceledException(error))
        {
            return await EndAsync(saga, OrderStatus.Cancelled, "the order was cancelled");
        }
    }

    private async Task<OrderResult> RunLifecycleAsync(Saga saga)
    {
        Note("order admitted");
        Publish(NotificationEvents.Admitted, () => new
        {
            user_id = input.UserId,
            amount = input.Amount,
            items = input.Items.Select(item => new { sku = item.Sku, quantity = item.Quantity, warehouse = item.Warehouse }),
        });
        saga.Register(ReleaseAdmissionAsync);
        saga.Register(ReleaseStockAsync);
        var audited = input.Amount >= Options.AuditThreshold;
        var reservation = await ReserveStockAsync(audited ? OrderStatus.AwaitingAudit : OrderStatus.PendingPayment);
        if (reservation is not null)
        {
            return await EndAsync(saga, OrderStatus.Failed, reservation);
        }

        if (audited)
        {
            auditDeadline = Workflow.UtcNow + Options.AuditTimeout;
            if (!await Workflow.WaitConditionAsync(() => audit is not null, Options.AuditTimeout)
                && !(audit is not null && await ReachedBeforeDeadlineAsync(AuditSignal, paymentId: null, audit.ReceivedAt)))
            {
                return await EndAsync(saga, OrderStatus.Failed, "the audit timed out");
            }

            if (!audit!.Approved)
            {
                return await EndAsync(saga, OrderStatus.Failed, $"the audit rejected the order: {audit.Reason}");
            }

            paymentDeadline = Workflow.UtcNow + Options.PaymentTimeout;
            await TransitionAsync(OrderStatus.PendingPayment, AwaitingPayment(paymentDeadline.Value));
            PublishAwaitingPayment();
        }

        if (!await WaitForPaymentAsync())
        {
            return await EndAsync(saga, OrderStatus.Cancelled, "payment timed out");
        }

        saga.Register(RefundCapturedPaymentAsync);
        try
        {
            await Workflow.ExecuteActivityAsync(
                (PaymentActivities activities) => activities.CapturePaymentAsync(new(input.OrderId, payment!.PaymentId, payment.Amount)),
                new() { StartToCloseTimeout = TimeSpan.FromSeconds(30), RetryPolicy = BoundedRetry(5, PaymentActivities.DeclinedErrorType) });
            paymentCaptured = true;
        }
        catch (ActivityFailureException failure)
        {
            return await EndAsync(saga, OrderStatus.Failed, $"payment could not be captured: {RootMessage(failure)}");
        }

        await TransitionAsync(OrderStatus.Paid, $"payment {payment!.PaymentId} captured");
        Publish(NotificationEvents.Paid, () => new { payment_id = payment.PaymentId, amount = payment.Amount });

        var warehouses = ShipmentsByWarehouse();
        await TransitionAsync(OrderStatus.Fulfilling, $"shipping from {string.Join(", ", warehouses.Select(shipment => shipment.Warehouse))}");
        var failures = (await Workflow.WhenAllAsync(warehouses.Select(ShipAsync))).OfType<string>().ToList();
        if (failures.Count > 0)
        {
            return await EndAsync(saga, OrderStatus.Failed, string.Join("; ", failures));
        }

        return await EndAsync(saga: null, OrderStatus.Completed, "all shipments dispatched");
    }

    /// <summary>
    /// Reserves the stock and moves the order to <paramref name="next"/> in one activity: the order's row is written in
    /// the reservation's transaction, as <paramref name="next"/> when the stock is reserved, else as RESERVING.
    /// Null when the stock is reserved, else why not.
    /// </summary>
    private async Task<string?> ReserveStockAsync(OrderStatus next)
    {
        UpsertSearchAttributes();
        var reserving = Snapshot();
        var at = reserving.At;
        DateTime? deadline = next == OrderStatus.PendingPayment ? at + Options.PaymentTimeout : null;
        List<TimelineEntry> notes = [new(at, "stock reserved"), new(at, deadline is { } due ? AwaitingPayment(due) : "held for a risk audit")];
        var reserved = reserving with
        {
            Order = reserving.Order with { Status = next, PaymentDeadline = deadline, Timeline = [.. reserving.Order.Timeline, .. notes] },
        };

        StockOperationResult result;
        try
        {
            var lines = input.Items.Select(item => new StockLine(item.Sku, item.Quantity)).ToList();
            result = await ReserveAsync(new(input.OrderId, lines, reserving, reserved));
        }
        catch (Exception failure) when (failure is ActivityFailureException or ApplicationFailureException)
        {
            // A local activity that ran out of attempts surfaces its last failure itself, not wrapped as an activity's.
            return $"stock could not be reserved: {RootMessage(failure)}";
        }

        switch (result.Outcome)
        {
            case StockOutcome.Reserved:
                status = next;
                paymentDeadline = deadline;
                timeline.AddRange(notes);
                UpsertSearchAttributes();
                if (deadline is not null)
                {
                    PublishAwaitingPayment();
                }

                return null;
            case StockOutcome.UnknownSku:
                return $"stock could not be reserved: unknown sku {result.Sku}";
            default:
                return $"stock could not be reserved: insufficient stock of {result.Sku}";
        }
    }

    /// <summary>
    /// With inventory workers of their own (<see cref="OrderWorkflowOptions.InventoryTaskQueue"/>), an activity on their
    /// queue. Else a local activity: one short database transaction, run by this worker inside the workflow task, so the
    /// path to PENDING_PAYMENT is one workflow task and no activity task round trip. Its idempotency key keeps it
    /// exactly-once however often it is retried. Called by name: the SDK evaluates a lambda's argument by compiling it,
    /// with Reflection.Emit, on every call, and every order makes this one (bench/results.md, 2026-12-05 afternoon).
    /// </summary>
    private Task<StockOperationResult> ReserveAsync(ReserveStockRequest request)
    {
        var retry = ReserveRetry(Options.ReserveTimeout ?? Options.PaymentTimeout);
        object?[] args = [request];
        return Options.InventoryTaskQueue is { } inventoryQueue
            ? Workflow.ExecuteActivityAsync<StockOperationResult>(
                InventoryActivities.Reserve,
                args,
                // A reservation is one short transaction: one taken by an inventory worker that died is tried again soon.
                new() { StartToCloseTimeout = TimeSpan.FromSeconds(10), RetryPolicy = retry, TaskQueue = inventoryQueue })
            : Workflow.ExecuteLocalActivityAsync<StockOperationResult>(InventoryActivities.Reserve, args, DatabaseWrite(retry));
    }

    /// <summary>
    /// A short database transaction as a local activity. Longer waits between attempts are durable timers, so the
    /// workflow task does not stay open through a database outage and the order still answers its Status query.
    /// </summary>
    private static LocalActivityOptions DatabaseWrite(RetryPolicy retry, CancellationToken? token = null) =>
        new() { StartToCloseTimeout = TimeSpan.FromSeconds(30), RetryPolicy = retry, CancellationToken = token, LocalRetryThreshold = TimeSpan.FromSeconds(1) };

    /// <summary>
    /// False when the deadline passed without a payment; the deadline is the one the order shows. A payment that reached
    /// the server before the deadline fired is kept, even when the Worker only saw both in one task; one that reached it
    /// after is not (the order ends and refunds it).
    /// </summary>
    private async Task<bool> WaitForPaymentAsync()
    {
        var left = paymentDeadline!.Value - Workflow.UtcNow;
        if (payment is not null)
        {
            return true;
        }

        return left > TimeSpan.Zero
            && (await Workflow.WaitConditionAsync(() => payment is not null, left)
                || (payment is not null && await ReachedBeforeDeadlineAsync(PaySignal, payment.PaymentId, payment.ReceivedAt)));
    }

    /// <summary>
    /// Called when a wait's timer won but a payment or decision was taken in the same workflow task. One that came as an
    /// update carries when the Api received it, and its handler took it only if that was before the deadline; one that
    /// came as a signal is placed by the history.
    /// </summary>
    private async Task<bool> ReachedBeforeDeadlineAsync(string signalName, string? paymentId, DateTime? receivedAt) =>
        receivedAt is not null || await SignaledBeforeDeadlineAsync(signalName, paymentId);

    /// <summary>
    /// Called when a wait's timer won but its signal was taken in the same workflow task: the signal's handler runs before
    /// the condition is looked at again, yet the timer had already decided the wait. Which came first is in the history,
    /// not in the activation (core hands signals over first, whatever their order), so a local activity reads it there.
    /// Its answer is recorded, so replay gives the same decision.
    /// </summary>
    private async Task<bool> SignaledBeforeDeadlineAsync(string signalName, string? paymentId)
    {
        if (!Workflow.Patched(SignalInDeadlineTaskPatch))
        {
            return false;
        }

        var info = Workflow.Info;
        return await Workflow.ExecuteLocalActivityAsync(
            (DeadlineActivities activities) => activities.SignaledBeforeDeadlineAsync(new(info.WorkflowId, info.RunId, signalName, paymentId)),
            new() { StartToCloseTimeout = TimeSpan.FromSeconds(30), RetryPolicy = UntilItSucceeds });
    }

    private static string AwaitingPayment(DateTime deadline) => $"awaiting payment until {WireTime.Text(deadline)}";

    private List<ShipmentRequest> ShipmentsByWarehouse() =>
        input.Items
            .GroupBy(item => item.Warehouse, StringComparer.Ordinal)
            .OrderBy(group => group.Key, StringComparer.Ordinal)
            .Select(group => new ShipmentRequest(
                input.OrderId,
                group.Key,
                [.. group.GroupBy(item => item.Sku, StringComparer.Ordinal).Select(sku => new StockLine(sku.Key, sku.Sum(item => item.Quantity)))],
                Options.ShipMaximumAttempts))
            .ToList();

    /// <summary>Null when the warehouse's parcel left, else why not.</summary>
    private async Task<string?> ShipAsync(ShipmentRequest shipment)
    {
        try
        {
            var result = await Workflow.ExecuteChildWorkflowAsync(
                (ShipmentWorkflow workflow) => workflow.RunAsync(shipment),
                new() { Id = ShipmentWorkflow.ChildId(input.OrderId, shipment.Warehouse) });
            Note($"shipped from {result.Warehouse}: tracking {result.TrackingNumber}");
            Publish(NotificationEvents.Shipped, () => new { warehouse = result.Warehouse, tracking_number = result.TrackingNumber }, result.Warehouse);
            return null;
        }
        catch (ChildWorkflowFailureException failure)
        {
            var why = $"shipment from {shipment.Warehouse} failed: {RootMessage(failure)}";
            Note(why);
            return why;
        }
    }

    /// <summary>
    /// Ends the order: compensates (when given a saga) and refunds every payment it cannot keep while the order still
    /// shows its previous status; only then is the final status set, written and announced, so whoever sees it also
    /// sees the stock back. Runs on a detached token so that it completes even when the workflow itself was cancelled.
    /// </summary>
    private async Task<OrderResult> EndAsync(Saga? saga, OrderStatus end, string why)
    {
        using var detached = new CancellationTokenSource();
        ending = true;
        if (saga is not null)
        {
            Note($"compensating: {why}");
            await saga.CompensateAsync(detached.Token);
            if (payment is not null && !paymentCaptured)
            {
                lateOrRefundedPaymentIds.Add(payment.PaymentId);
                refundsDue.Add(payment);
            }
        }

        await RefundDuePaymentsAsync(end, detached.Token);

        status = end;
        reason = end == OrderStatus.Completed ? null : why;
        Note(why);
        await PersistAsync(detached.Token);
        Publish(
            end switch { OrderStatus.Completed => NotificationEvents.Completed, OrderStatus.Cancelled => NotificationEvents.Cancelled, _ => NotificationEvents.Failed },
            () => end == OrderStatus.Completed ? new { } : new { reason });

        if (!Workflow.Patched(NotificationCenterPatch))
        {
            await NotifyAsPlaceholderAsync(end, why, detached.Token);
        }

        await RefundLatePaymentsAsync(end, detached.Token);
        return new OrderResult(input.OrderId, end, reason);
    }

    /// <summary>What runs from before the notification center did at the end: one log line, through an activity.</summary>
    private async Task NotifyAsPlaceholderAsync(OrderStatus end, string why, CancellationToken token)
    {
        try
        {
            await Workflow.ExecuteActivityAsync(
                (NotificationActivities activities) => activities.NotifyAsync(new(input.OrderId, input.UserId, $"order {end.ToWire()}: {why}")),
                new() { StartToCloseTimeout = TimeSpan.FromSeconds(30), RetryPolicy = BoundedRetry(3), CancellationToken = token });
        }
        catch (ActivityFailureException failure)
        {
            Note($"the buyer could not be notified: {RootMessage(failure)}");
            await PersistAsync(token);
        }
    }

    /// <summary>
    /// Refunds payments that came in while the order was ending, until none is left. Before the workflow returns, every
    /// signal and update delivered with the current workflow task must have run: one that lands in the task completing
    /// the workflow makes the server reject that completion and hand it to the workflow first, and the handlers-finished
    /// wait lets its handler (and a Pay update's refund) run before the last look at what is due and unrecorded.
    /// </summary>
    private async Task RefundLatePaymentsAsync(OrderStatus end, CancellationToken token)
    {
        while (true)
        {
            await Workflow.WaitConditionAsync(() => Workflow.AllHandlersFinished, token);
            if (refundsDue.Count == 0 && !refundUnrecorded)
            {
                if (notifications is null || notifications.Flushed)
                {
                    return;
                }

                // The order's last events go to its notification workflow before it closes; a payment may come meanwhile.
                await notifications.FlushAsync();
                continue;
            }

            await RefundDuePaymentsAsync(end, token);
            await PersistAsync(token);
        }
    }

    private async Task RefundDuePaymentsAsync(OrderStatus end, CancellationToken token)
    {
        while (refundsDue.Count > 0)
        {
            var due = refundsDue[0];
            refundsDue.RemoveAt(0);
            await RefundAsync(due, $"order {end.ToWire()}", token);
        }
    }

    private async Task RefundAsync(PaymentConfirmation due, string why, CancellationToken token)
    {
        await Workflow.ExecuteActivityAsync(
            (PaymentActivities activities) => activities.RefundPaymentAsync(new(input.OrderId, due.PaymentId, due.Amount, why)),
            Compensation(token));
        Note($"payment {due.PaymentId} refunded");
        PublishRefund(due, why);
    }

    private async Task ReleaseAdmissionAsync(CancellationToken token)
    {
        var released = await Workflow.ExecuteActivityAsync(
            (AdmissionActivities activities) => activities.ReleaseAdmissionAsync(input.OrderId),
            Compensation(token, Options.GateTaskQueue));
        Note(released ? "admission given back to the gate" : "nothing to give back to the gate");
    }

    private async Task ReleaseStockAsync(CancellationToken token)
    {
        var released = await Workflow.ExecuteActivityAsync(
            (InventoryActivities activities) => activities.ReleaseStockAsync(input.OrderId),
            Compensation(token, Options.InventoryTaskQueue));
        Note(released.Outcome == StockOutcome.Released ? "stock released to the database" : "no stock to release in the database");
    }

    private async Task RefundCapturedPaymentAsync(CancellationToken token)
    {
        if (!paymentCaptured)
        {
            return;
        }

        await Workflow.ExecuteActivityAsync(
            (PaymentActivities activities) => activities.RefundPaymentAsync(new(input.OrderId, payment!.PaymentId, payment.Amount, "order failed")),
            Compensation(token));
        lateOrRefundedPaymentIds.Add(payment!.PaymentId);
        Note($"payment {payment.PaymentId} refunded");
        PublishRefund(payment, "order failed");
    }

    private async Task TransitionAsync(OrderStatus next, string what)
    {
        status = next;
        Note(what);
        await PersistAsync(Workflow.CancellationToken);
    }

    /// <summary>Writes the order's row so it can be listed and shown after its history is gone.</summary>
    private async Task PersistAsync(CancellationToken token)
    {
        UpsertSearchAttributes();
        var snapshot = Snapshot();
        refundUnrecorded = false;
        if (Workflow.Patched(LocalOrderRecordPatch))
        {
            await Workflow.ExecuteLocalActivityAsync(
                (OrderRecordActivities activities) => activities.RecordOrderAsync(snapshot),
                DatabaseWrite(UntilItSucceeds, token));
        }
        else
        {
            await Workflow.ExecuteActivityAsync((OrderRecordActivities activities) => activities.RecordOrderAsync(snapshot), Compensation(token));
        }
    }

    private OrderSnapshot Snapshot() => new(Status(), input.IdempotencyKey, Workflow.UtcNow);

    /// <summary>
    /// Only the runs started with <see cref="OrderWorkflowOptions.UpsertSearchAttributes"/> on (no order starts so now):
    /// they keep upserting, as their histories hold, since the SDK checks an upsert for determinism on replay.
    /// </summary>
    private void UpsertSearchAttributes()
    {
        if (Options.UpsertSearchAttributes)
        {
            Workflow.UpsertTypedSearchAttributes(
                LegacyOrderStatusAttribute.ValueSet(status.ToWire()),
                input.UserId is null ? LegacyUserIdAttribute.ValueUnset() : LegacyUserIdAttribute.ValueSet(input.UserId));
        }
    }

    private void Note(string what) => timeline.Add(new TimelineEntry(Workflow.UtcNow, what));

    /// <summary>Hands an event to the notification center when it is on; <paramref name="data"/> is only built then.</summary>
    private void Publish(string type, Func<object> data, string? key = null) =>
        notifications?.Publish(OrderEvent.Create(input.OrderId, type, Workflow.UtcNow, data(), key));

    private void PublishAwaitingPayment() =>
        Publish(NotificationEvents.AwaitingPayment, () => new { payment_deadline = paymentDeadline, amount = input.Amount });

    private void PublishRefund(PaymentConfirmation refunded, string why) =>
        Publish(NotificationEvents.Refunded, () => new { payment_id = refunded.PaymentId, amount = refunded.Amount, reason = why }, refunded.PaymentId);

    private static ActivityOptions Compensation(CancellationToken token, string? taskQueue = null) =>
        new() { StartToCloseTimeout = TimeSpan.FromSeconds(30), RetryPolicy = UntilItSucceeds, CancellationToken = token, TaskQueue = taskQueue };

    private static RetryPolicy BoundedRetry(int maximumAttempts, params string[] nonRetryable) => new()
    {
        InitialInterval = TimeSpan.FromSeconds(1),
        BackoffCoefficient = 2,
        MaximumInterval = TimeSpan.FromSeconds(30),
        MaximumAttempts = maximumAttempts,
        NonRetryableErrorTypes = nonRetryable,
    };

    private static string RootMessage(Exception error)
    {
        while (error.InnerException is not null)
        {
            error = error.InnerException;
        }

        return error.Message;
    }
}
