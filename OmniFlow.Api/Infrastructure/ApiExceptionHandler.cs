using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using OmniFlow.Fulfillment.Inventory;
using OmniFlow.Fulfillment.Persistence;

namespace OmniFlow.Api.Infrastructure;

/// <summary>
/// Turns what the framework throws for bad input (malformed JSON, a wrong content type) into a 4xx, and an unreachable
/// dependency (Temporal, the database, Redis) into a 503: input never produces a 500.
/// </summary>
public sealed class ApiExceptionHandler(IProblemDetailsService problems, DependencyFailureLog failures) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var problem = Describe(exception);
        if (problem is null)
        {
            return false;
        }

        if (problem.Status == StatusCodes.Status503ServiceUnavailable)
        {
            failures.Report(exception);
        }

        httpContext.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new() { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }

    private static ProblemDetails? Describe(Exception exception) => exception switch
    {
        BadHttpRequestException bad => ApiProblems.Details(bad.StatusCode, "Bad Request", DescribeBadRequest(bad)),
        JsonException json => ApiProblems.Details(StatusCodes.Status400BadRequest, "Bad Request", json.Message),
        _ when DependencyFailureLog.IsDependencyFailure(exception) =>
            ApiProblems.Details(StatusCodes.Status503ServiceUnavailable, "Service Unavailable", "A dependency of the API is unavailable; try again."),

        // A transaction rolled back because a step before its commit failed (the gate, for a product's stock): that step decides.
        CommitAbortedException { InnerException: { } cause } => Describe(cause),
        _ => null,
    };

    private static string DescribeBadRequest(BadHttpRequestException bad) => bad.InnerException switch
    {
        JsonException json => $"The request body is not valid JSON for this endpoint: {json.Message}",
        _ => bad.Message,
    };
}
