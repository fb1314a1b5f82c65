using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;
using OmniFlow.Api.Infrastructure;

namespace OmniFlow.Api.Orders;

/// <summary>
/// The sold-out crowd's door, in front of ASP.NET Core's hosting (<see cref="ServerWithSoldOutDoor"/>). A keyless UTF-8
/// JSON <c>POST /api/v1/orders</c> whose body is plain (<see cref="PlainOrderBody"/>), valid and, by
/// <see cref="OrderAdmission.SoldOutFromMemory"/>, sold out gets that 429 here: no HttpContext, span, HTTP metrics or
/// middleware exist for it. Every other request, and this one whenever memory cannot decide, goes in with its body unread.
/// </summary>
public sealed class SoldOutDoor(OrderAdmission admission)
{
    public const string OrdersPath = "/api/v1/orders";

    /// <summary>Whether the request may be answered here, from what the server parsed before its body.</summary>
    public static bool MayAnswer(IFeatureCollection features)
    {
        if (features.Get<IHttpRequestFeature>() is not { } request || !HttpMethods.IsPost(request.Method) || request.Path != OrdersPath
            || request.PathBase.Length != 0 || request.QueryString.Length != 0)
        {
            return false;
        }

        var headers = request.Headers;
        return headers.ContentLength is > 0 and <= RequestBodyLimit.MaxBytes && IsUtf8Json(headers.ContentType)
            && !headers.ContainsKey(OrdersApi.IdempotencyKeyHeader);
    }

    /// <summary>JSON in UTF-8, the bytes the reader reads; the endpoint transcodes any other charset first.</summary>
    private static bool IsUtf8Json(string? contentType) =>
        string.Equals(contentType, "application/json", StringComparison.OrdinalIgnoreCase)
        || string.Equals(contentType, "application/json; charset=utf-8", StringComparison.OrdinalIgnoreCase);

    /// <summary>Answers a request <see cref="MayAnswer"/> admitted when memory finds it sold out; false, its body unread, when not.</summary>
    public async ValueTask<bool> TryAnswerAsync(IFeatureCollection features)
    {
        var length = features.GetRequiredFeature<IHttpRequestFeature>().Headers.ContentLength!.Value;
        var reader = features.GetRequiredFeature<IRequestBodyPipeFeature>().Reader;
        ReadResult read;
        try
        {
            read = await reader.ReadAsync();
            while (read.Buffer.Length < length && !read.IsCompleted)
            {
                reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
                read = await reader.ReadAsync();
            }
        }
        catch (Exception error) when (error is IOException or OperationCanceledException)
        {
            // The body broke off: the endpoint's reading meets the same and answers it as it always does.
            return false;
        }

        var body = read.Buffer;
        var answer = body.Length == length && PlainOrderBody.TryRead(body, out var order) && order!.Validate().IsValid
            ? admission.SoldOutFromMemory(order)
            : null;
        reader.AdvanceTo(answer is null ? body.Start : body.End);
        if (answer is null)
        {
            return false;
        }

        await answer.WriteAsync(features);
        return true;
    }
}
