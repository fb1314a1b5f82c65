using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using OmniFlow.Fulfillment.Inventory;
using OmniFlow.Fulfillment.Persistence;

namespace OmniFlow.Api.Infrastructure;

/// <summary>
/// Turns what the framework throws for bad input (no body, malformed JSON, a field of the wrong type, a body too large,
/// a wrong content type) into a 4xx in the contract's words, and an unreachable dependency (Temporal, the database,
/// Redis) into a 503: input never produces a 500.
/// </summary>
public sealed class ApiExceptionHandler(IProblemDetailsService problems, DependencyFailureLog failures) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var problem = Describe(httpContext, exception);
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

    private static ProblemDetails? Describe(HttpContext context, Exception exception) => exception switch
    {
        BadHttpRequestException bad => Unreadable(context, bad),
        JsonException json => ApiProblems.Details(StatusCodes.Status400BadRequest, "Bad Request", UnreadableJson.Describe(json)),
        _ when DependencyFailureLog.IsDependencyFailure(exception) =>
            ApiProblems.Details(StatusCodes.Status503ServiceUnavailable, "Service Unavailable", "A dependency of the API is unavailable; try again."),

        // A transaction rolled back because a step before its commit failed (the gate, for a product's stock): that step decides.
        CommitAbortedException { InnerException: { } cause } => Describe(context, cause),
        _ => null,
    };

    /// <summary>The request could not be read or bound; the framework's own message names its internals, so it is not passed on.</summary>
    private static ProblemDetails Unreadable(HttpContext context, BadHttpRequestException bad) => bad.StatusCode switch
    {
        StatusCodes.Status413PayloadTooLarge => ApiProblems.Details(bad.StatusCode, "Content Too Large", RequestBodyLimit.TooLarge),
        StatusCodes.Status415UnsupportedMediaType => ApiProblems.Details(bad.StatusCode, "Unsupported Media Type", ApiProblems.NotJson),
        StatusCodes.Status408RequestTimeout => ApiProblems.Details(bad.StatusCode, "Request Timeout", "The request body arrived too slowly."),
        _ when bad.InnerException is JsonException json => ApiProblems.Details(StatusCodes.Status400BadRequest, "Bad Request", UnreadableJson.Describe(json)),

        // What is left of binding: a body that is missing (or JSON null) where one is expected, or a route or query value that does not parse.
        _ when context.Features.Get<IExceptionHandlerFeature>()?.Endpoint?.Metadata.GetMetadata<IAcceptsMetadata>() is not null =>
            ApiProblems.Details(StatusCodes.Status400BadRequest, "Bad Request", "The request needs a JSON object body; see the API contract."),
        _ => ApiProblems.Details(StatusCodes.Status400BadRequest, "Bad Request", "A route or query value does not have the documented type."),
    };
}
