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
using Temporalio.Exceptions;

namespace OmniFlow.Api.Orders;

/// <summary>
/// The flash-sale hot path: the order is priced from the product directory (no database round trip), the gate admits
/// (or turns away with 429), then the order's workflow starts. An Idempotency-Key names the order
/// (<see cref="OrderIds.ForIdempotencyKey"/>): the gate admits an order id once, and Temporal starts one workflow per id,
/// so requests repeating a key, even at the same moment, get the one order.
/// </summary>
public sealed partial class OrderAdmission(
    IAdmissionGate gate,
    ITemporalClient temporal,
    ProductDirectory products,
    OrderReader reader,
    TemporalSettings temporalSettings,
    OrdersSettings ordersSettings,
    NotificationSettings notificationSettings,
    AdmissionRejections rejections,
    AdmissionTelemetry admissionTelemetry,
    AdmissionGiveBack giveBack,
    DependencyFailureLog failures,
    ILogger<OrderAdmission> logger)
{
    private readonly OrderWorkflowOptions workflowOptions = ordersSettings.ToWorkflowOptions(temporalSettings, notificationSettings.AnyChannel);
    private readonly SemaphoreSlim admissionsInFlight = new(ordersSettings.MaxAdmissionsInFlight);

    public async ValueTask<Results<Ok<OrderAccepted>, ValidationProblem, ProblemHttpResult, CachedProblem>> AdmitAsync(
        CreateOrderRequest request, string? idempotencyKey, CancellationToken cancellationToken)
    {
        var items = await ResolveItemsAsync(request.Items!, cancellationToken);
        if (items.Unknown is not null)
        {
            return ApiProblems.NotFound($"There is no product with sku '{items.Unknown}'.");
        }

        if (idempotencyKey is null)
        {
            if (!items.IsPricedAt(request.Amount))
            {
                return PriceMismatch(request.Amount!.Value, items.Price);
            }

            // After a sale sells out, nearly every request ends here: no order id made, no round trip.
            return gate.KnownSoldOut(items.Stock) is { } soldOutNow
                ? SoldOutLocally(soldOutNow)
                : await AdmitAndStartAsync(OrderIds.New(), request, items, idempotencyKey: null, recalled: null, cancellationToken);
        }

        var orderId = OrderIds.ForIdempotencyKey(idempotencyKey);

        // A repeat may carry the price its order was made at: it is compared with that order, not with today's price.
        if (!items.IsPricedAt(request.Amount))
        {
            return await EarlierOrderAsync(orderId, request, items, runId: null, cancellationToken)
                ?? PriceMismatch(request.Amount!.Value, items.Price);
        }

        // A crowd retrying with keys after the sale sold out is turned away with one read of the gate; a key that did
        // buy (perhaps the last unit) still gets its order.
        AdmissionResult? recalled = null;
        if (gate.KnownSoldOut(items.Stock) is { } soldOut)
        {
            try
            {
                recalled = await gate.RecallAsync(orderId, request.UserId, items.Stock, cancellationToken);
            }
            catch (Exception error) when (DependencyFailureLog.IsDependencyFailure(error))
            {
                failures.Report(error);
                return GateUnavailable();
            }

            if (recalled is null)
            {
                return SoldOutLocally(soldOut);
            }
        }

        return await AdmitAndStartAsync(orderId, request, items, idempotencyKey, recalled, cancellationToken);
    }

    /// <summary>
    /// The answer to a valid keyless order that memory alone can give: every sku's product known here, the amount its
    /// price (or none), and an item known sold out: the answer <see cref="AdmitAsync"/> would give. Null otherwise.
    /// </summary>
    public CachedProblem? SoldOutFromMemory(CreateOrderRequest request)
    {
        var lines = request.Items!;
        var items = new PricedItems(lines.Count);
        for (var i = 0; i < lines.Count; i++)
        {
            var item = lines[i];
            if (products.FindKnown(item.Sku) is not { } product)
            {
                return null;
            }

            items.Add(item, product);
        }

        items.Complete();
        return items.IsPricedAt(request.Amount) && gate.KnownSoldOut(items.Stock) is { } soldOut ? SoldOutLocally(soldOut) : null;
    }

    /// <summary>
    /// The gate admits (or turns away with 429), then the workflow starts, for at most
    /// <see cref="OrdersSettings.MaxAdmissionsInFlight"/> orders at once; the others wait their turn, in order, for up to
    /// <see cref="OrdersSettings.AdmissionQueueTimeout"/> (then 503, nothing reserved).
    /// </summary>
    private async Task<Results<Ok<OrderAccepted>, ValidationProblem, ProblemHttpResult, CachedProblem>> AdmitAndStartAsync(
        string orderId, CreateOrderRequest request, PricedItems items, string? idempotencyKey, AdmissionResult? recalled, CancellationToken cancellationToken)
    {
        if (!await admissionsInFlight.WaitAsync(ordersSettings.AdmissionQueueTimeout, cancellationToken))
        {
            return ApiProblems.Unavailable("The Api is busy with other orders; nothing was reserved. Try again.");
        }

        try
        {
            return await AdmitAndStartInTurnAsync(orderId, request, items, idempotencyKey, recalled, cancellationToken);
        }
        finally
        {
            admissionsInFlight.Release();
        }
    }

    /// <summary>
    /// When the workflow cannot start, a keyless order's admission is given back (503); a keyed one keeps it for the retry
    /// of its key, which starts the same order.
    /// </summary>
    private async Task<Results<Ok<OrderAccepted>, ValidationProblem, ProblemHttpResult, CachedProblem>> AdmitAndStartInTurnAsync(
        string orderId, CreateOrderRequest request, PricedItems items, string? idempotencyKey, AdmissionResult? recalled, CancellationToken cancellationToken)
    {
        var keyed = idempotencyKey is not null;
        AdmissionResult admission;
        try
        {
            admission = recalled ?? await gate.TryAdmitAsync(orderId, request.UserId, items.Stock, keyed ? CancellationToken.None : cancellationToken);
        }
        catch (Exception error) when (DependencyFailureLog.IsDependencyFailure(error))
        {
            // The gate may have taken the stock before its answer was lost. A keyless order gives it back for sure; a
            // keyed one is taken up again by the retry of its key (or found by the reconciliation if none comes).
            failures.Report(error);
            if (!keyed)
            {
                giveBack.GiveBackLater(orderId);
            }

            return GateUnavailable();
        }

        switch (admission.Outcome)
        {
            case AdmissionOutcome.Admitted:
                break;
            case AdmissionOutcome.Conflict:
                return KeyReusedWithAnotherBody();
            case AdmissionOutcome.Withdrawn when keyed:
                return await EarlierOrderAsync(orderId, request, items, runId: null, cancellationToken) ?? KeyAbandoned();
            case AdmissionOutcome.Withdrawn:
                return GateUnavailable();
            default:
                return Rejected(admission);
        }

        var input = new OrderInput(orderId, request.UserId, items.Lines, items.Price, workflowOptions, idempotencyKey);
        try
        {
            // By name: the SDK evaluates a lambda's argument by compiling it, with Reflection.Emit, on every call.
            var handle = await temporal.StartWorkflowAsync(
                OrderWorkflow.WorkflowType,
                [input],
                new WorkflowOptions(orderId, temporalSettings.TaskQueue)
                {
                    IdReusePolicy = WorkflowIdReusePolicy.RejectDuplicate,
                    IdConflictPolicy = WorkflowIdConflictPolicy.Fail,
                });
            return TypedResults.Ok(new OrderAccepted("Order admitted; pay before the deadline.", orderId, handle.ResultRunId ?? string.Empty));
        }
        catch (WorkflowAlreadyStartedException started) when (keyed)
        {
            return await EarlierOrderAsync(orderId, request, items, started.RunId, cancellationToken) ?? GateUnavailable();
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

            return keyed
                ? ApiProblems.Unavailable("The order could not be started; its admission is kept for this Idempotency-Key. Send it again.")
                : await GiveBackAsync(orderId, "the order workflow could not be started");
        }
    }

    /// <summary>
    /// The order an earlier request with this key made, answered again when this request is the same (same user and
    /// lines, and the same amount when one is sent), else 422; null when there is no such order.
    /// </summary>
    private async Task<Results<Ok<OrderAccepted>, ValidationProblem, ProblemHttpResult, CachedProblem>?> EarlierOrderAsync(
        string orderId, CreateOrderRequest request, PricedItems items, string? runId, CancellationToken cancellationToken)
    {
        if (await reader.FindAsync(orderId, cancellationToken) is not { } earlier)
        {
            return null;
        }

        if (!IsSameRequest(earlier.View, request, items.Lines))
        {
            return KeyReusedWithAnotherBody();
        }

        runId ??= await reader.RunIdAsync(orderId, cancellationToken);
        return TypedResults.Ok(new OrderAccepted("Order already admitted for this Idempotency-Key.", orderId, runId ?? string.Empty));
    }

    private static ProblemHttpResult KeyReusedWithAnotherBody() => ApiProblems.Create(StatusCodes.Status422UnprocessableEntity, "Unprocessable Entity",
        "This Idempotency-Key was already used with a different request body.");

    private static ProblemHttpResult KeyAbandoned() => ApiProblems.Create(StatusCodes.Status409Conflict, "Conflict",
        "The order of this Idempotency-Key was given up before it started, and its admission given back; nothing is reserved. Send the order with a new Idempotency-Key.");

    private static ProblemHttpResult GateUnavailable() =>
        ApiProblems.Unavailable("The admission gate is unavailable; nothing was reserved. Try again.");

    /// <summary>The requested items as order lines (one per sku) and their price, sum of price × quantity.</summary>
    private async ValueTask<PricedItems> ResolveItemsAsync(IReadOnlyList<OrderItemRequest> requested, CancellationToken cancellationToken)
    {
        var items = new PricedItems(requested.Count);
        foreach (var item in requested)
        {
            if (await products.FindAsync(item.Sku, cancellationToken) is not { } product)
            {
                items.Unknown = item.Sku;
                return items;
            }

            items.Add(item, product);
        }

        items.Complete();
        return items;
    }

    private static ProblemHttpResult PriceMismatch(decimal amount, decimal price)
    {
        var problem = ApiProblems.Details(StatusCodes.Status422UnprocessableEntity, "Unprocessable Entity",
            string.Create(CultureInfo.InvariantCulture, $"The amount {amount:0.00} does not match the order's price {price:0.00}; send that amount, or none."));
        problem.Extensions["amount"] = amount;
        problem.Extensions["price"] = price;
        return TypedResults.Problem(problem);
    }

    private CachedProblem SoldOutLocally(string sku)
    {
        admissionTelemetry.RecordLocalSoldOut();
        return rejections.For(AdmissionOutcome.SoldOut, sku);
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
    private static bool IsSameRequest(OrderView earlier, CreateOrderRequest request, IReadOnlyList<OrderItem> items) =>
        earlier.UserId == request.UserId
        && (request.Amount is null || earlier.Amount == request.Amount)
        && earlier.Items.Count == items.Count
        && items.All(item => earlier.Items.Any(line => line.Sku == item.Sku && line.Quantity == item.Quantity));

    /// <summary>Order lines, one per sku in sku order (so a repeat of a keyed request is recognised by the gate), and their price.</summary>
    private sealed class PricedItems(int capacity)
    {
        public List<OrderItem> Lines { get; } = new(capacity);

        public decimal Price { get; private set; }

        /// <summary>The first sku that does not exist; then the lines and price are incomplete.</summary>
        public string? Unknown { get; set; }

        /// <summary>The lines as the gate takes them.</summary>
        public List<StockLine> Stock { get; private set; } = [];

        public void Add(OrderItemRequest item, ListedProduct product)
        {
            Price += product.Price * item.Quantity;
            for (var i = 0; i < Lines.Count; i++)
            {
                if (Lines[i].Sku == item.Sku)
                {
                    Lines[i] = Lines[i] with { Quantity = Lines[i].Quantity + item.Quantity };
                    return;
                }
            }

            Lines.Add(new OrderItem(item.Sku, item.Quantity, product.Warehouse));
        }

        public void Complete()
        {
            Lines.Sort((left, right) => string.CompareOrdinal(left.Sku, right.Sku));
            Stock = Lines.ConvertAll(line => new StockLine(line.Sku, line.Quantity));
        }

        /// <summary>A client's amount agrees when it is left out or equals the price exactly.</summary>
        public bool IsPricedAt(decimal? amount) => amount is null || amount == Price;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Order {OrderId} could not be started: {Reason}")]
    private partial void LogStartFailed(string orderId, string reason);
}
