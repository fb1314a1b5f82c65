using Microsoft.AspNetCore.Http.HttpResults;
using OmniFlow.Api.Infrastructure;
using OmniFlow.Api.Products;
using OmniFlow.Fulfillment.Admission;
using OmniFlow.Fulfillment.Inventory;
using OmniFlow.Fulfillment.Orders;
using OmniFlow.Fulfillment.Persistence;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;

namespace OmniFlow.Api.Orders;

/// <summary>
/// The flash-sale hot path: the gate admits (or turns away with 429), then the order's workflow starts; when it cannot
/// start, the admission is given back at once and the answer is 503. An Idempotency-Key maps to one order through a
/// unique row in the database, claimed before the workflow starts.
/// </summary>
public sealed partial class OrderAdmission(
    IAdmissionGate gate,
    ITemporalClient temporal,
    ProductDirectory products,
    IOrderStore orders,
    TemporalSettings temporalSettings,
    OrdersSettings ordersSettings,
    TimeProvider time,
    AdmissionRejections rejections,
    ILogger<OrderAdmission> logger)
{
    private readonly OrderWorkflowOptions workflowOptions = ordersSettings.ToWorkflowOptions(temporalSettings);

    public async Task<Results<Ok<OrderAccepted>, ValidationProblem, ProblemHttpResult, CachedProblem>> AdmitAsync(
        CreateOrderRequest request, string? idempotencyKey, CancellationToken cancellationToken)
    {
        var items = await ResolveItemsAsync(request.Items!, cancellationToken);
        if (items.Unknown is not null)
        {
            return ApiProblems.NotFound($"There is no product with sku '{items.Unknown}'.");
        }

        if (idempotencyKey is not null && await orders.FindByIdempotencyKeyAsync(idempotencyKey, cancellationToken) is { } earlier)
        {
            return await SameOrderAsync(earlier, request, items.Lines);
        }

        var orderId = $"ORDER-{Guid.NewGuid()}";
        var stockLines = items.Lines.Select(item => new StockLine(item.Sku, item.Quantity)).ToList();
        var admission = await gate.TryAdmitAsync(orderId, request.UserId, stockLines, cancellationToken);
        if (!admission.Admitted)
        {
            return Rejected(admission);
        }

        if (idempotencyKey is not null)
        {
            var claimed = await ClaimKeyAsync(orderId, idempotencyKey, request, items.Lines);
            if (claimed is null)
            {
                return await GiveBackAsync(orderId, "the order could not be recorded");
            }

            if (claimed.OrderId != orderId)
            {
                await gate.ReleaseAsync(orderId, CancellationToken.None);
                return await SameOrderAsync(claimed, request, items.Lines);
            }
        }

        var input = new OrderInput(orderId, request.UserId, items.Lines, request.Amount!.Value, workflowOptions, idempotencyKey);
        try
        {
            var handle = await temporal.StartWorkflowAsync(
                (OrderWorkflow workflow) => workflow.RunAsync(input),
                new WorkflowOptions(orderId, temporalSettings.TaskQueue)
                {
                    IdReusePolicy = WorkflowIdReusePolicy.RejectDuplicate,
                    IdConflictPolicy = WorkflowIdConflictPolicy.Fail,
                });
            return TypedResults.Ok(new OrderAccepted("Order admitted; pay before the deadline.", orderId, handle.ResultRunId ?? string.Empty));
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            LogStartFailed(orderId, error.Message);
            if (idempotencyKey is not null)
            {
                await MarkNotStartedAsync(orderId, idempotencyKey, request, items.Lines);
            }

            return await GiveBackAsync(orderId, "the order workflow could not be started");
        }
    }

    private async ValueTask<ResolvedItems> ResolveItemsAsync(IReadOnlyList<OrderItemRequest> requested, CancellationToken cancellationToken)
    {
        var lines = new List<OrderItem>(requested.Count);
        foreach (var item in requested)
        {
            var index = lines.FindIndex(line => line.Sku == item.Sku);
            if (index >= 0)
            {
                lines[index] = lines[index] with { Quantity = lines[index].Quantity + item.Quantity };
                continue;
            }

            var warehouse = await products.FindWarehouseAsync(item.Sku, cancellationToken);
            if (warehouse is null)
            {
                return new ResolvedItems(lines, item.Sku);
            }

            lines.Add(new OrderItem(item.Sku, item.Quantity, warehouse));
        }

        return new ResolvedItems(lines, null);
    }

    /// <summary>A sold-out or over-limit answer is one cached 429 per sku: after a sale sells out, nearly every request gets one.</summary>
    private Results<Ok<OrderAccepted>, ValidationProblem, ProblemHttpResult, CachedProblem> Rejected(AdmissionResult admission) =>
        admission.Outcome == AdmissionOutcome.UnknownSku
            ? ApiProblems.NotFound($"There is no product with sku '{admission.Sku}' on sale.")
            : rejections.For(admission.Outcome, admission.Sku!);

    private async Task<StoredOrder?> ClaimKeyAsync(string orderId, string key, CreateOrderRequest request, IReadOnlyList<OrderItem> items)
    {
        var now = time.GetUtcNow();
        try
        {
            return await orders.CreateOrGetAsync(Stored(orderId, key, request, items, OrderStatus.Reserving, now, "order received"), CancellationToken.None);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            LogStartFailed(orderId, error.Message);
            return null;
        }
    }

    private async Task MarkNotStartedAsync(string orderId, string key, CreateOrderRequest request, IReadOnlyList<OrderItem> items)
    {
        try
        {
            await orders.SaveAsync(Stored(orderId, key, request, items, OrderStatus.Failed, time.GetUtcNow(), "the order could not be started"), CancellationToken.None);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            LogStartFailed(orderId, error.Message);
        }
    }

    private static StoredOrder Stored(string orderId, string key, CreateOrderRequest request, IReadOnlyList<OrderItem> items, OrderStatus status, DateTimeOffset now, string what) =>
        new(orderId, request.UserId, request.Amount!.Value, status.ToWire(),
            [.. items.Select(item => new StoredOrderLine(item.Sku, item.Quantity, item.Warehouse))],
            [new OrderTimelineEvent(now, what)], null, now, now, key);

    private async Task<ProblemHttpResult> GiveBackAsync(string orderId, string why)
    {
        try
        {
            await gate.ReleaseAsync(orderId, CancellationToken.None);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            LogReleaseFailed(orderId, error.Message);
        }

        return ApiProblems.Unavailable($"The order could not be started ({why}); nothing was reserved. Try again.");
    }

    /// <summary>The key was used before: the same body gets the same order, a different body is 422.</summary>
    private async Task<Results<Ok<OrderAccepted>, ValidationProblem, ProblemHttpResult, CachedProblem>> SameOrderAsync(StoredOrder earlier, CreateOrderRequest request, IReadOnlyList<OrderItem> items)
    {
        var sameBody = earlier.UserId == request.UserId
            && earlier.Amount == request.Amount
            && earlier.Lines.Count == items.Count
            && items.All(item => earlier.Lines.Any(line => line.Sku == item.Sku && line.Quantity == item.Quantity));
        if (!sameBody)
        {
            return ApiProblems.Create(StatusCodes.Status422UnprocessableEntity, "Unprocessable Entity",
                "This Idempotency-Key was already used with a different request body.");
        }

        string runId;
        try
        {
            runId = (await temporal.GetWorkflowHandle(earlier.OrderId).DescribeAsync()).RunId;
        }
        catch (Temporalio.Exceptions.RpcException)
        {
            runId = string.Empty;
        }

        return TypedResults.Ok(new OrderAccepted("Order already admitted for this Idempotency-Key.", earlier.OrderId, runId));
    }

    private sealed record ResolvedItems(List<OrderItem> Lines, string? Unknown);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Order {OrderId} could not be started: {Reason}")]
    private partial void LogStartFailed(string orderId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "The admission of order {OrderId} could not be given back: {Reason}")]
    private partial void LogReleaseFailed(string orderId, string reason);
}
