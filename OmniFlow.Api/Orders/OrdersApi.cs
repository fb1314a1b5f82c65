using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using OmniFlow.Api.Infrastructure;
using OmniFlow.Api.Security;
using OmniFlow.Fulfillment.Orders;
using OmniFlow.Fulfillment.Persistence;

namespace OmniFlow.Api.Orders;

public static class OrdersApi
{
    public const int MaxWebhookBody = 16 * 1024;
    public const int MaxIdempotencyKey = 200;
    public const string IdempotencyKeyHeader = "Idempotency-Key";
    public const string CreateOrderName = "CreateOrder";

    private static readonly string IdempotencyKeyRule = Validation.PlainTextRule(IdempotencyKeyHeader, MaxIdempotencyKey);

    public static RouteGroupBuilder MapOrdersApi(this RouteGroupBuilder api)
    {
        var orders = api.MapGroup("/orders").WithTags("Orders");

        // Taken from the root provider once, not from a request scope: the crowd's every request would otherwise open
        // (and dispose) a scope only to find this singleton.
        var services = ((IEndpointRouteBuilder)orders).ServiceProvider;
        var admission = new Lazy<OrderAdmission>(services.GetRequiredService<OrderAdmission>);
        var create = orders.MapPost("/", (
                CreateOrderRequest request, [FromHeader(Name = IdempotencyKeyHeader)] string? idempotencyKey, CancellationToken cancellationToken) =>
                CreateOrderAsync(request, idempotencyKey, admission.Value, cancellationToken))
            .WithName(CreateOrderName)
            .WithSummary("Place an order: the gate admits it and its workflow starts.")
            .Answers(StatusCodes.Status200OK, typeof(OrderAccepted), "Admitted and started; the same Idempotency-Key and body again answer the same order.")
            .Answers(StatusCodes.Status400BadRequest, "Malformed JSON, missing or empty items, a quantity, amount or text field out of its rules.")
            .Answers(StatusCodes.Status404NotFound, "A sku does not exist.")
            .Answers(StatusCodes.Status409Conflict, "The order of this Idempotency-Key was given up before it started and its admission given back: send the order with a new key.")
            .Answers(StatusCodes.Status422UnprocessableEntity, "The amount is not the order's price (the answer names both), or the Idempotency-Key was used with another body.")
            .Answers(StatusCodes.Status429TooManyRequests, "An item is sold out or the user's per-sku limit is reached (\"error\" says which); or, when configured, too many orders from this client (Retry-After).")
            .Answers(StatusCodes.Status503ServiceUnavailable, "The Api is busy (the order waited its turn too long), or the gate, the database or Temporal is unavailable; nothing was reserved. Send it again.")
            .AnswersForJsonBody()
            // The flash-sale crowd's endpoint needs no authentication: the middleware after routing (authentication and
            // authorization, which open a request scope and allocate per request) is skipped.
            .ShortCircuit();
        if (services.GetService<OrderRateLimiting>() is { } rateLimiting)
        {
            create.AddEndpointFilter(rateLimiting);
        }

        orders.MapGet("/", ListOrdersAsync).RequireAdminKey().WithName("ListOrders")
            .WithSummary("List orders from the database, newest first (admin).")
            .Answers(StatusCodes.Status400BadRequest, "sku, status or limit (1 to 1000) is not valid.")
            .Answers(StatusCodes.Status503ServiceUnavailable, "The database is unavailable.");
        orders.MapGet("/{id}", GetOrderAsync).WithName("GetOrder")
            .WithSummary("An order as it is now: from its workflow while it runs, from the database afterwards.")
            .Answers(StatusCodes.Status404NotFound, "There is no such order.")
            .Answers(StatusCodes.Status503ServiceUnavailable, "Neither Temporal nor the database could tell.");
        orders.MapPost("/{id}/pay", PayAsync).WithName("PayOrder").Accepts<PaymentRequest>("application/json").RequireWebhookSignature()
            .WithSummary("Confirm a payment (signed by the payment provider).")
            .Answers(StatusCodes.Status200OK, typeof(OrderResponse), "The payment is the order's: it will be captured. The same payment_id again gets the same answer.")
            .Answers(StatusCodes.Status400BadRequest, "Malformed JSON, or payment_id or amount missing or out of their rules.")
            .Answers(StatusCodes.Status404NotFound, "There is no such order.")
            .Answers(StatusCodes.Status409Conflict, "The order can no longer be paid (past its deadline, cancelled, ending, or paid by another payment): this payment is refunded.")
            .Answers(StatusCodes.Status413PayloadTooLarge, $"The body is larger than {MaxWebhookBody} bytes.")
            .Answers(StatusCodes.Status422UnprocessableEntity, "The amount is not the order's amount; nothing changed.")
            .Answers(StatusCodes.Status503ServiceUnavailable, "The order did not answer in time (no Worker took it) or Temporal is unavailable. Send the same request again.");
        orders.MapPost("/{id}/audit", AuditAsync).RequireAdminKey().WithName("AuditOrder")
            .WithSummary("Approve or reject an order held for a risk audit (admin).")
            .Answers(StatusCodes.Status200OK, typeof(OrderResponse), "The decision is taken.")
            .Answers(StatusCodes.Status400BadRequest, "Malformed JSON, approved missing, or reason out of its rules.")
            .Answers(StatusCodes.Status404NotFound, "There is no such order.")
            .Answers(StatusCodes.Status409Conflict, "The order is not awaiting an audit (never was, already decided, or the audit timed out).")
            .Answers(StatusCodes.Status503ServiceUnavailable, "The order did not answer in time (no Worker took it) or Temporal is unavailable. Send it again.")
            .AnswersForJsonBody();
        return api;
    }

    private static async ValueTask<Results<Ok<OrderAccepted>, ValidationProblem, ProblemHttpResult, CachedProblem>> CreateOrderAsync(
        CreateOrderRequest request,
        string? idempotencyKey,
        OrderAdmission admission,
        CancellationToken cancellationToken)
    {
        var validation = request.Validate();
        validation.Require(idempotencyKey is null || Validation.IsPlainText(idempotencyKey, MaxIdempotencyKey), IdempotencyKeyHeader,
            IdempotencyKeyRule);
        if (!validation.IsValid)
        {
            return ApiProblems.Invalid(validation.Errors);
        }

        return await admission.AdmitAsync(request, idempotencyKey, cancellationToken);
    }

    public static async Task<Results<Ok<OrderResponse>, ProblemHttpResult>> GetOrderAsync(string id, OrderReader reader, CancellationToken cancellationToken) =>
        await reader.FindAsync(id, cancellationToken) is { } sighting
            ? TypedResults.Ok(OrderResponse.From(sighting.View))
            : ApiProblems.NotFound($"There is no order '{id}'.");

    public static async Task<Results<Ok<OrderList>, ValidationProblem>> ListOrdersAsync(
        string? sku, string? status, int? limit, IOrderStore orders, CancellationToken cancellationToken)
    {
        var validation = new Validation();
        validation.Require(sku is null || Validation.IsSku(sku), "sku", "The sku must match [A-Za-z0-9_-]{1,64}.");
        validation.Require(status is null || OrderStatusExtensions.TryParseWire(status, out _), "status",
            $"The status must be one of {string.Join(", ", Enum.GetValues<OrderStatus>().Select(value => value.ToWire()))}.");
        validation.Require(limit is null or (>= 1 and <= 1000), "limit", "The limit must be between 1 and 1000.");
        if (!validation.IsValid)
        {
            return ApiProblems.Invalid(validation.Errors);
        }

        var wireStatus = OrderStatusExtensions.TryParseWire(status, out var parsed) ? parsed.ToWire() : null;
        var query = new OrderQuery(wireStatus, sku, limit ?? 100);
        var total = await orders.CountAsync(query, cancellationToken);
        var page = await orders.ListAsync(query, cancellationToken);
        return TypedResults.Ok(new OrderList(total, [.. page.Select(order => OrderResponse.From(StoredOrders.ToView(order)))]));
    }

    /// <summary>The payment webhook: the signature is checked over the order id and the raw body before anything else is read.</summary>
    public static async Task<Results<Ok<OrderResponse>, ValidationProblem, ProblemHttpResult>> PayAsync(
        string id, HttpRequest request, WebhookSignature signature, OrderUpdates updates, CancellationToken cancellationToken)
    {
        var header = request.Headers[WebhookSignature.Header].ToString();
        if (header.Length == 0)
        {
            return Unsigned();
        }

        var body = await ReadBodyAsync(request, cancellationToken);
        if (body is null)
        {
            return ApiProblems.Create(StatusCodes.Status413PayloadTooLarge, "Payload Too Large", $"The body must be at most {MaxWebhookBody} bytes.");
        }

        if (!signature.IsValid(id, body, header))
        {
            return Unsigned();
        }

        var options = request.HttpContext.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        PaymentRequest? payment;
        try
        {
            payment = System.Text.Json.JsonSerializer.Deserialize<PaymentRequest>(body, options);
        }
        catch (System.Text.Json.JsonException error)
        {
            return ApiProblems.Create(StatusCodes.Status400BadRequest, "Bad Request", UnreadableJson.Describe(error));
        }

        var validation = payment?.Validate() ?? Required("body", "A JSON body {\"payment_id\", \"amount\"} is required.");
        if (!validation.IsValid)
        {
            return ApiProblems.Invalid(validation.Errors);
        }

        return await updates.PayAsync(id, payment!, cancellationToken);
    }

    public static async Task<Results<Ok<OrderResponse>, ValidationProblem, ProblemHttpResult>> AuditAsync(
        string id, AuditRequest request, OrderUpdates updates, CancellationToken cancellationToken)
    {
        var validation = request.Validate();
        if (!validation.IsValid)
        {
            return ApiProblems.Invalid(validation.Errors);
        }

        return await updates.AuditAsync(id, request, cancellationToken);
    }

    private static ProblemHttpResult Unsigned() => ApiProblems.Create(StatusCodes.Status401Unauthorized, "Unauthorized",
        $"The {WebhookSignature.Header} header must be {WebhookSignature.Format} for this order, with t within {WebhookSignature.Tolerance.TotalMinutes:0} minutes of now.");

    private static Validation Required(string field, string message)
    {
        var validation = new Validation();
        validation.Add(field, message);
        return validation;
    }

    /// <summary>The raw body, or null when it is larger than <see cref="MaxWebhookBody"/>.</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[4096];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxWebhookBody)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
