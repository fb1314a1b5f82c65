using System.Collections.Concurrent;
using OmniFlow.Fulfillment.Inventory;
using OmniFlow.Fulfillment.Notifications;
using OmniFlow.Fulfillment.Orders;
using OmniFlow.Fulfillment.Payments;
using OmniFlow.Fulfillment.Shipping;
using Temporalio.Activities;
using Temporalio.Exceptions;

namespace OmniFlow.Tests.Orders;

/// <summary>Every activity the order workflows call, as mocks that record their calls and can be told to fail.</summary>
internal sealed class OrderActivityFakes
{
    private readonly ConcurrentQueue<string> calls = new();

    public Func<ReserveStockRequest, StockOperationResult> Reserve { get; init; } = _ => new(StockOutcome.Reserved);

    public IReadOnlySet<string> FailingWarehouses { get; init; } = new HashSet<string>();

    /// <summary>When set, the stock release signals <see cref="ReleaseStarted"/> and waits for this before it returns.</summary>
    public TaskCompletionSource? HoldRelease { get; init; }

    public TaskCompletionSource ReleaseStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>When set, shipping waits for this before it answers, so the order stays FULFILLING meanwhile.</summary>
    public TaskCompletionSource? HoldShipment { get; init; }

    public ConcurrentQueue<ShipmentRequest> Shipments { get; } = new();

    public ConcurrentQueue<RefundPaymentRequest> Refunds { get; } = new();

    public ConcurrentQueue<OrderView> Records { get; } = new();

    public ConcurrentQueue<TimelineNote> Notes { get; } = new();

    /// <summary>The events the one notification target of the plan (<c>probe</c>) takes.</summary>
    public IReadOnlyList<string> NotifiedEvents { get; init; } = NotificationEvents.All;

    public ConcurrentQueue<DeliveryRequest> Deliveries { get; } = new();

    public int Count(string activity) => calls.Count(call => call == activity);

    [Activity(InventoryActivities.Reserve)]
    public Task<StockOperationResult> ReserveStockAsync(ReserveStockRequest request)
    {
        calls.Enqueue(InventoryActivities.Reserve);
        var result = Reserve(request);
        // As the real activity commits it: the row moves on when the stock is reserved, else it stays reserving.
        if (request is { Reserving: { } reserving, Reserved: { } reserved })
        {
            Records.Enqueue(result.Outcome == StockOutcome.Reserved ? reserved.Order : reserving.Order);
        }

        return Task.FromResult(result);
    }

    [Activity(InventoryActivities.Release)]
    public async Task<StockOperationResult> ReleaseStockAsync(string orderId)
    {
        calls.Enqueue(InventoryActivities.Release);
        if (HoldRelease is not null)
        {
            ReleaseStarted.TrySetResult();
            await HoldRelease.Task.WaitAsync(ActivityExecutionContext.Current.CancellationToken);
        }

        return new StockOperationResult(StockOutcome.Released);
    }

    [Activity(PaymentActivities.Capture)]
    public Task<PaymentReceipt> CapturePaymentAsync(CapturePaymentRequest request)
    {
        calls.Enqueue(PaymentActivities.Capture);
        if (request.PaymentId.StartsWith(FakePaymentProvider.DeclinedPrefix, StringComparison.Ordinal))
        {
            throw new ApplicationFailureException("card declined", PaymentActivities.DeclinedErrorType, nonRetryable: true);
        }

        return Task.FromResult(new PaymentReceipt("cap-1", request.PaymentId, request.Amount));
    }

    [Activity(PaymentActivities.Refund)]
    public Task<PaymentReceipt> RefundPaymentAsync(RefundPaymentRequest request)
    {
        calls.Enqueue(PaymentActivities.Refund);
        Refunds.Enqueue(request);
        return Task.FromResult(new PaymentReceipt("ref-1", request.PaymentId, request.Amount));
    }

    [Activity(ShippingActivities.Ship)]
    public async Task<ShipmentResult> ShipAsync(ShipmentRequest request)
    {
        calls.Enqueue(ShippingActivities.Ship);
        Shipments.Enqueue(request);
        if (HoldShipment is not null)
        {
            await HoldShipment.Task.WaitAsync(ActivityExecutionContext.Current.CancellationToken);
        }

        if (FailingWarehouses.Contains(request.Warehouse))
        {
            throw new ApplicationFailureException($"no carrier at {request.Warehouse}", ShippingActivities.RejectedErrorType, nonRetryable: true);
        }

        return new ShipmentResult(request.Warehouse, $"TRK-{request.Warehouse}");
    }

    [Activity(NotificationActivities.Notify)]
    public Task NotifyAsync(OrderNotification notification)
    {
        calls.Enqueue(NotificationActivities.Notify);
        return Task.CompletedTask;
    }

    [Activity(DeliveryActivities.Plan)]
    public Task<NotificationPlan> PlanNotificationsAsync() =>
        Task.FromResult(new NotificationPlan([new NotificationTarget("probe", "probe", NotifiedEvents)], TimeSpan.FromMinutes(10), TimeSpan.FromHours(1), TimeSpan.FromMinutes(1)));

    [Activity(DeliveryActivities.Deliver)]
    public Task DeliverAsync(DeliveryRequest request)
    {
        Deliveries.Enqueue(request);
        return Task.CompletedTask;
    }

    [Activity(DeliveryActivities.GiveUp)]
    public Task GiveUpAsync(DeliveryRequest request) => Task.CompletedTask;

    [Activity(OrderRecordActivities.RecordOrder)]
    public Task RecordOrderAsync(OrderSnapshot snapshot)
    {
        calls.Enqueue(OrderRecordActivities.RecordOrder);
        Records.Enqueue(snapshot.Order);
        return Task.CompletedTask;
    }

    [Activity(OrderRecordActivities.AppendTimeline)]
    public Task AppendTimelineAsync(TimelineNote note)
    {
        calls.Enqueue(OrderRecordActivities.AppendTimeline);
        Notes.Enqueue(note);
        return Task.CompletedTask;
    }
}

/// <summary>The admission gate's release, served on its own task queue as the Api serves it.</summary>
internal sealed class GateActivityFake
{
    private int releases;

    public int Releases => releases;

    [Activity(AdmissionActivities.ReleaseAdmission)]
    public Task<bool> ReleaseAdmissionAsync(string orderId) => Task.FromResult(Interlocked.Increment(ref releases) == 1);
}
