using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using OmniFlow.Api.Infrastructure;
using OmniFlow.Api.Products;
using OmniFlow.Fulfillment.Admission;
using OmniFlow.Fulfillment.Inventory;
using OmniFlow.Fulfillment.Notifications;
using OmniFlow.Fulfillment.Orders;
using OmniFlow.Fulfillment.Persistence;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;

namespace OmniFlow.Api.Orders;

/// <summary>
/// The flash-sale hot path: the order is priced from the product directory (no database round trip), the gate admits
/// (or turns away with 429), then the order's workflow starts; when it cannot start, the admission is given back at once
/// and the answer is 503. An Idempotency-Key maps to one order through a
/// unique row in the database, claimed before the gate is asked (<see cref="IdempotencyKeys"/>).
/// </summary>
public sealed partial class OrderAdmission(
    IAdmissionGate gate,
    ITemporalClient temporal,
    ProductDirectory products,
    IdempotencyKeys keys,
    IOrderStore orders,
    TemporalSettings temporalSettings,
    OrdersSettings ordersSettings,
    NotificationSettings notificationSettings,
    TimeProvider time,
    AdmissionRejections rejections,
    AdmissionGiveBack giveBack,
    DependencyFailureLog failures,
    ILogger<OrderAdmission> logger)
{
    private readonly OrderWorkflowOptions workflowOptions = ordersSettings.ToWorkflowOptions(temporalSettings, notificationSettings.AnyChannel);

    public async Task<Results<Ok<OrderAccepted>, ValidationProblem, ProblemHttpResult, CachedProblem>> AdmitAsync(
        CreateOrderRequest request, string? idempotencyKey, CancellationToken cancellationToken)
    {
        var items = await ResolveItemsAsync(request.Items!, cancellationToken);
        if (items.Unknown is not null)
        {
            return ApiProblems.NotFound($"There is no product with sku '{items.Unknown}'.");
        }

        // With a key, a request that repeats an earlier one is compared with that order instead (the price may have changed since).
        if (idempotencyKey is null && !items.IsPricedAt(request.Amount))
        {
            return PriceMismatch(request.Amount!.Value, items.Price);
        }

        // A crowd retrying with keys after the sale sold out is turned away with one read, instead of claiming and
        // freeing a key each; a key that did buy (perhaps the last unit) still gets its order.
        if (idempotencyKey is not null
            && gate.KnownSoldOut(StockLines(items.Lines)) is { } soldOut
            && await orders.FindByIdempotencyKeyAsync(idempotencyKey, cancellationToken) is null)
        {
            return rejections.For(AdmissionOutcome.SoldOut, soldOut);
        }

        return idempotencyKey is null
            ? await AdmitAndStartAsync(NewOrderId(), request, items, claim: null, cancellationToken)
            : await AdmitOnceAsync(request, idempotencyKey, items, cancellationToken);
    }

    /// <summary>
    /// The key is claimed before the gate is asked, so requests repeating one key are admitted once: the one whose claim
    /// is stored admits and starts the order; the others wait for that order, or, when the gate turned it away and the
    /// claim was withdrawn, claim the key again themselves and get their own answer.
    /// </summary>
    private async Task<Results<Ok<OrderAccepted>, ValidationProblem, ProblemHttpResult, CachedProblem>> AdmitOnceAsync(
        CreateOrderRequest request, string idempotencyKey, PricedItems items, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + IdempotencyKeys.WaitForEarlier;
        while (true)
        {
            var orderId = NewOrderId();
            var now = time.GetUtcNow();
            var claim = new StoredOrder(orderId, request.UserId, items.Price, OrderStatus.Reserving.ToWire(),
                [.. items.Lines.Select(item => new StoredOrderLine(item.Sku, item.Quantity, item.Warehouse))],
                [new OrderTimelineEvent(now, "order received")], null, now, now, idempotencyKey);
            var stored = await keys.ClaimAsync(claim);
            if (stored is null)
            {
                return ApiProblems.Unavailable("The order could not be recorded; nothing was reserved. Try again.");
            }

            if (stored.OrderId == orderId)
            {
                if (!items.IsPricedAt(request.Amount))
                {
                    await keys.WithdrawAsync(orderId);
                    return PriceMismatch(request.Amount!.Value, items.Price);
                }

                return await AdmitAndStartAsync(orderId, request, items, claim, cancellationToken);
            }

            if (!IsSameRequest(stored, request, items.Lines))
            {
                return ApiProblems.Create(StatusCodes.Status422UnprocessableEntity, "Unprocessable Entity",
                    "This Idempotency-Key was already used with a different request body.");
            }

            var earlier = await keys.SettleAsync(stored, cancellationToken);
            if (earlier.Order is { } order)
            {
                return TypedResults.Ok(new OrderAccepted("Order already admitted for this Idempotency-Key.", order.OrderId, earlier.RunId));
            }

            // Withdrawn: the key is free again, and this request claims it for itself (until its time is up).
            if (earlier.Pending || time.GetUtcNow() > deadline)
            {
                return ApiProblems.Unavailable("An earlier request with this Idempotency-Key is still being admitted; nothing was reserved. Try again.");
            }
        }
    }

    /// <summary>The gate admits (or turns away with 429), then the workflow starts; when it cannot, the admission is given back (503).</summary>
    private async Task<Results<Ok<OrderAccepted>, ValidationProblem, ProblemHttpResult, CachedProblem>> AdmitAndStartAsync(
        string orderId, CreateOrderRequest request, PricedItems items, StoredOrder? claim, CancellationToken cancellationToken)
    {
        AdmissionResult admission;
        try
        {
            admission = await gate.TryAdmitAsync(orderId, request.UserId, StockLines(items.Lines), claim is null ? cancellationToken : CancellationToken.None);
        }
        catch (Exception error) when (DependencyFailureLog.IsDependencyFailure(error))
        {
            // The gate may have taken the stock before its answer was lost: give it back for sure.
            failures.Report(error);
            if (claim is not null)
            {
                await keys.WithdrawAsync(orderId);
            }

            giveBack.GiveBackLater(orderId);
            return GateUnavailable();
        }
        catch when (claim is not null)
        {
            await keys.WithdrawAsync(orderId);
            throw;
        }

        if (!admission.Admitted)
        {
            if (claim is not null)
            {
                await keys.WithdrawAsync(orderId);
            }

            return admission.Outcome == AdmissionOutcome.Withdrawn ? GateUnavailable() : Rejected(admission);
        }

        var input = new OrderInput(orderId, request.UserId, items.Lines, items.Price, workflowOptions, claim?.IdempotencyKey);
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
            if (DependencyFailureLog.IsDependencyFailure(error))
            {
                failures.Report(error);
            }
            else
            {
                LogStartFailed(orderId, error.Message);
            }
            if (claim is not null)
            {
                await keys.MarkNotStartedAsync(claim);
            }

            return await GiveBackAsync(orderId, "the order workflow could not be started");
        }
    }

    private static ProblemHttpResult GateUnavailable() =>
        ApiProblems.Unavailable("The admission gate is unavailable; nothing was reserved. Try again.");

    private static List<StockLine> StockLines(IReadOnlyList<OrderItem> items) => [.. items.Select(item => new StockLine(item.Sku, item.Quantity))];

    private static string NewOrderId() => $"ORDER-{Guid.NewGuid()}";

    /// <summary>The requested items as order lines (one per sku) and their price, sum of price × quantity.</summary>
    private async ValueTask<PricedItems> ResolveItemsAsync(IReadOnlyList<OrderItemRequest> requested, CancellationToken cancellationToken)
    {
        var lines = new List<OrderItem>(requested.Count);
        var price = 0m;
        foreach (var item in requested)
        {
            var product = await products.FindAsync(item.Sku, cancellationToken);
            if (product is null)
            {
                return new PricedItems(lines, price, item.Sku);
            }

            price += product.Price * item.Quantity;
            var index = lines.FindIndex(line => line.Sku == item.Sku);
            if (index >= 0)
            {
                lines[index] = lines[index] with { Quantity = lines[index].Quantity + item.Quantity };
                continue;
            }

            lines.Add(new OrderItem(item.Sku, item.Quantity, product.Warehouse));
        }

        return new PricedItems(lines, price, null);
    }

    private static ProblemHttpResult PriceMismatch(decimal amount, decimal price)
    {
        var problem = ApiProblems.Details(StatusCodes.Status422UnprocessableEntity, "Unprocessable Entity",
            string.Create(CultureInfo.InvariantCulture, $"The amount {amount:0.00} does not match the order's price {price:0.00}; send that amount, or none."));
        problem.Extensions["amount"] = amount;
        problem.Extensions["price"] = price;
        return TypedResults.Problem(problem);
    }

    /// <summary>A sold-out or over-limit answer is one cached 429 per sku: after a sale sells out, nearly every request gets one.</summary>
    private Results<Ok<OrderAccepted>, ValidationProblem, ProblemHttpResult, CachedProblem> Rejected(AdmissionResult admission) =>
        admission.Outcome == AdmissionOutcome.UnknownSku
            ? ApiProblems.NotFound($"There is no product with sku '{admission.Sku}' on sale.")
            : rejections.For(admission.Outcome, admission.Sku!);

    private async Task<ProblemHttpResult> GiveBackAsync(string orderId, string why)
    {
        await giveBack.GiveBackAsync(orderId);
        return ApiProblems.Unavailable($"The order could not be started ({why}); nothing was reserved. Try again.");
    }

    /// <summary>The same body as the request that first used the key: the same user and lines, and its amount when one is sent.</summary>
    private static bool IsSameRequest(StoredOrder earlier, CreateOrderRequest request, IReadOnlyList<OrderItem> items) =>
        earlier.UserId == request.UserId
        && (request.Amount is null || earlier.Amount == request.Amount)
        && earlier.Lines.Count == items.Count
        && items.All(item => earlier.Lines.Any(line => line.Sku == item.Sku && line.Quantity == item.Quantity));

    /// <param name="Unknown">The first sku that does not exist; then the lines and price are incomplete.</param>
    private sealed record PricedItems(List<OrderItem> Lines, decimal Price, string? Unknown)
    {
        /// <summary>A client's amount agrees when it is left out or equals the price exactly.</summary>
        public bool IsPricedAt(decimal? amount) => amount is null || amount == Price;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Order {OrderId} could not be started: {Reason}")]
    private partial void LogStartFailed(string orderId, string reason);
}
