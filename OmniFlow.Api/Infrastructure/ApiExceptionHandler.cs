using System.Data.Common;
using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using OmniFlow.Fulfillment.Inventory;

namespace OmniFlow.Api.Infrastructure;

/// <summary>
/// Turns what the framework throws for bad input (malformed JSON, a wrong content type) into a 4xx, and an unreachable
/// dependency (Temporal, the database, Redis) into a 503: input never produces a 500.
/// </summary>
public sealed class ApiExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var problem = exception switch
        {
            BadHttpRequestException bad => ApiProblems.Details(bad.StatusCode, "Bad Request", DescribeBadRequest(bad)),
            JsonException json => ApiProblems.Details(StatusCodes.Status400BadRequest, "Bad Request", json.Message),
            Temporalio.Exceptions.RpcException or DbException or TransientInventoryException or StackExchange.Redis.RedisException or TimeoutException =>
                ApiProblems.Details(StatusCodes.Status503ServiceUnavailable, "Service Unavailable", "A dependency of the API is unavailable; try again."),
            _ => null,
        };
        if (problem is null)
        {
            return false;
        }

        httpContext.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new() { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }

    private static string DescribeBadRequest(BadHttpRequestException bad) => bad.InnerException switch
    {
        JsonException json => $"The request body is not valid JSON for this endpoint: {json.Message}",
        _ => bad.Message,
    };
}
