using System.IO.Pipelines;
using OmniFlow.Api.Infrastructure;

namespace OmniFlow.Api.Orders;

/// <summary>
/// The sold-out crowd's way in, ahead of routing. A keyless UTF-8 JSON <c>POST /api/v1/orders</c> goes straight to its
/// endpoint, unless its body is plain (<see cref="PlainOrderBody"/>) and valid and
/// <see cref="OrderAdmission.SoldOutFromMemory"/> finds it sold out: then it gets that 429 without the endpoint. Any
/// other request goes on to routing.
/// </summary>
public sealed class SoldOutShortcut(RequestDelegate next, OrderAdmission admission, EndpointDataSource endpoints)
{
    public const string OrdersPath = "/api/v1/orders";

    private Endpoint? createOrder;

    public async Task InvokeAsync(HttpContext context)
    {
        if (!IsKeylessJsonOrder(context.Request))
        {
            await next(context);
            return;
        }

        // What routing would do for this short-circuit endpoint. Its body limit, which routing sets, cannot be exceeded
        // by a body of this Content-Length; and once the body is read, routing could only warn that it cannot set it.
        var endpoint = createOrder ??= endpoints.Endpoints.First(candidate =>
            candidate.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName == OrdersApi.CreateOrderName);
        context.SetEndpoint(endpoint);
        if (await SoldOutAnswerAsync(context) is { } answer)
        {
            await answer.ExecuteAsync(context);
        }
        else
        {
            DeferredRequestSpan.Resume(context);
            await endpoint.RequestDelegate!(context);
        }
    }

    /// <summary>For the tracing filter: whether the request may be answered sold out, so that its span waits.</summary>
    public static bool MayAnswer(HttpRequest request) => IsKeylessJsonOrder(request) && !request.QueryString.HasValue;

    private static bool IsKeylessJsonOrder(HttpRequest request) =>
        HttpMethods.IsPost(request.Method) && request.Path.Value == OrdersPath && !request.PathBase.HasValue
        && request.ContentLength is > 0 and <= RequestBodyLimit.MaxBytes && IsUtf8Json(request.ContentType)
        && !request.Headers.ContainsKey(OrdersApi.IdempotencyKeyHeader);

    /// <summary>JSON in UTF-8, the bytes the reader reads; the endpoint transcodes any other charset first.</summary>
    private static bool IsUtf8Json(string? contentType) =>
        string.Equals(contentType, "application/json", StringComparison.OrdinalIgnoreCase)
        || string.Equals(contentType, "application/json; charset=utf-8", StringComparison.OrdinalIgnoreCase);

    /// <summary>The cached 429 when memory alone can give it; else null, with the body left unread for the endpoint.</summary>
    private async Task<IResult?> SoldOutAnswerAsync(HttpContext context)
    {
        var length = context.Request.ContentLength!.Value;
        var reader = context.Request.BodyReader;
        ReadResult read;
        try
        {
            read = await reader.ReadAsync(context.RequestAborted);
            while (read.Buffer.Length < length && !read.IsCompleted)
            {
                reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
                read = await reader.ReadAsync(context.RequestAborted);
            }
        }
        catch (IOException)
        {
            // The body broke off: the endpoint's reading meets the same and answers it as it always does.
            return null;
        }

        var body = read.Buffer;
        var answer = body.Length == length && PlainOrderBody.TryRead(body, out var order) && order!.Validate().IsValid
            ? admission.SoldOutFromMemory(order)
            : null;
        reader.AdvanceTo(answer is null ? body.Start : body.End);
        return answer;
    }
}
