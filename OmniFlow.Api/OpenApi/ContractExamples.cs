using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Http.Metadata;
using ProblemDetails = Microsoft.AspNetCore.Mvc.ProblemDetails;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using OmniFlow.Api.Admin;
using OmniFlow.Api.Infrastructure;
using OmniFlow.Api.Orders;
using OmniFlow.Api.Products;
using OmniFlow.Fulfillment.Admission;
using OmniFlow.Fulfillment.Orders;

namespace OmniFlow.Api.OpenApi;

/// <summary>
/// Examples of request bodies and answers, written by the Api's own serializer from the contract's types, so they are
/// in the wire format the endpoints answer with. A problem answer's example is the problem the Api writes, its detail
/// the answer's description.
/// </summary>
public sealed class ContractExamples(IOptions<JsonOptions> json) : IOpenApiOperationTransformer
{
    private const string OrderId = "ORDER-3f2b8c1e-6d4a-4b7e-9a51-0c8e2d7f4a10";

    private static readonly DateTime Received = new(2025, 6, 1, 12, 0, 0, 250, DateTimeKind.Utc);

    private static readonly OrderResponse PendingOrder = new(
        OrderId,
        OrderStatus.PendingPayment,
        [new OrderItem("iPhone15", 1, "SH")],
        100m,
        "u-42",
        Received.AddMinutes(30),
        [
            new TimelineResponse(Received, "order received"),
            new TimelineResponse(Received.AddMilliseconds(40), "stock reserved"),
            new TimelineResponse(Received.AddMilliseconds(40), $"awaiting payment until {WireTime.Text(Received.AddMinutes(30))}"),
        ],
        null);

    private static readonly ReconciliationResponse Run = new(
        "reconciliation-5b0e7d1c-2f4a-4c3e-8d9b-1a6f0e2c7b34", "completed", Received, Received.AddSeconds(6),
        [new SkuReconciliationResponse("iPhone15", 9, 10, 0, -1, [new CorrectionResponse("gate", "blue", null, 9, 10, "the gate lost 1 unit", Received.AddSeconds(6))])]);

    private static readonly Dictionary<Type, object> Bodies = new()
    {
        [typeof(CreateOrderRequest)] = new CreateOrderRequest("u-42", [new OrderItemRequest("iPhone15", 1)], 100m),
        [typeof(OrderAccepted)] = new OrderAccepted("Order admitted; pay before the deadline.", OrderId, "0197a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"),
        [typeof(OrderResponse)] = PendingOrder,
        [typeof(OrderList)] = new OrderList(1, [PendingOrder]),
        [typeof(PaymentRequest)] = new PaymentRequest("pay-1", 100m),
        [typeof(AuditRequest)] = new AuditRequest(false, "risk score 97"),
        [typeof(ProductRequest)] = new ProductRequest("iPhone 15", 100m, 10, "SH"),
        [typeof(ProductResponse)] = new ProductResponse("iPhone15", "iPhone 15", 100m, 10, 10, "SH"),
        [typeof(ReconciliationStarted)] = new ReconciliationStarted(Run.Id),
        [typeof(ReconciliationResponse)] = Run,
        [typeof(ReconciliationList)] = new ReconciliationList([Run]),
        [typeof(NotificationDeliveryList)] = new NotificationDeliveryList(OrderId,
        [
            new NotificationDeliveryResponse($"{OrderId}/order.admitted", "order.admitted", "webhook", "https://shop.example/hooks/omniflow", Received, 1, "delivered", null, Received.AddMilliseconds(80)),
        ]),
    };

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        if (metadata.OfType<IAcceptsMetadata>().LastOrDefault()?.RequestType is { } requestType && operation.RequestBody?.Content is { } requestContent)
        {
            foreach (var media in requestContent.Values)
            {
                media.Example ??= Body(requestType);
            }
        }

        foreach (var answer in context.Description.SupportedResponseTypes)
        {
            if (operation.Responses?.GetValueOrDefault(answer.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture)) is not { Content: { } content } response)
            {
                continue;
            }

            var example = answer.Type is { } type && typeof(ProblemDetails).IsAssignableFrom(type)
                ? Problem(answer.StatusCode, response.Description, context.Description.ActionDescriptor.EndpointMetadata)
                : answer.Type is { } bodyType ? Body(bodyType) : null;
            foreach (var media in content.Values)
            {
                media.Example ??= example;
            }
        }

        return Task.CompletedTask;
    }

    private JsonNode? Body(Type type) => Bodies.TryGetValue(type, out var body) ? Node(body, type) : null;

    /// <summary>Parsed from the serialized text, so numbers keep their written form (100.00, not 100.0).</summary>
    private JsonNode? Node(object value, Type type) => JsonNode.Parse(JsonSerializer.SerializeToUtf8Bytes(value, type, json.Value.SerializerOptions));

    /// <summary>The problem the Api writes for this status; the flash sale's 429 is the cached "sold out" answer.</summary>
    private JsonNode? Problem(int status, string? description, IList<object> metadata)
    {
        var problem = status switch
        {
            StatusCodes.Status429TooManyRequests when metadata.Any(item => item is IEndpointNameMetadata { EndpointName: "CreateOrder" }) =>
                AdmissionRejections.Describe(AdmissionOutcome.SoldOut, "iPhone15"),
            StatusCodes.Status400BadRequest => Invalid(description),
            _ => ApiProblems.Details(status, Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status), description ?? ApiProblems.DetailFor(status)),
        };
        return Node(problem, problem.GetType());
    }

    private static HttpValidationProblemDetails Invalid(string? description) =>
        new(new Dictionary<string, string[]> { ["field"] = [description ?? "What is wrong with the field."] })
        {
            Type = ApiProblems.TypeFor(StatusCodes.Status400BadRequest),
            Title = "One or more validation errors occurred.",
            Status = StatusCodes.Status400BadRequest,
            Detail = "The request has invalid fields; see errors.",
        };
}
