using Microsoft.AspNetCore.Http.HttpResults;
using OmniFlow.Api.Infrastructure;
using OmniFlow.Api.Security;
using OmniFlow.Fulfillment.Orders;
using OmniFlow.Fulfillment.Reconciliation;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace OmniFlow.Api.Admin;

/// <summary>Admin: run a reconciliation now, and read the runs (scheduled and on demand alike).</summary>
public static class ReconciliationsApi
{
    public const int MaxListed = 100;

    public static RouteGroupBuilder MapReconciliationsApi(this RouteGroupBuilder api)
    {
        var runs = api.MapGroup("/admin/reconciliations").WithTags("Reconciliation").RequireAdminKey();
        runs.MapPost("/", StartAsync).WithName("StartReconciliation")
            .WithSummary("Run a reconciliation now; it is skipped when another run is in progress.")
            .Answers(StatusCodes.Status202Accepted, typeof(ReconciliationStarted), "Started; Location names the run.")
            .Answers(StatusCodes.Status503ServiceUnavailable, "Temporal is unavailable; no run started.");
        runs.MapGet("/", ListAsync).WithName("ListReconciliations")
            .WithSummary("Runs, newest first, scheduled and on demand alike.")
            .Answers(StatusCodes.Status400BadRequest, $"limit is not between 1 and {MaxListed}.")
            .Answers(StatusCodes.Status503ServiceUnavailable, "The database is unavailable.");
        runs.MapGet("/{id}", GetAsync).WithName("GetReconciliation")
            .WithSummary("One run, with its per-sku figures and corrections.")
            .Answers(StatusCodes.Status404NotFound, "There is no such run.")
            .Answers(StatusCodes.Status503ServiceUnavailable, "The database or Temporal is unavailable.");
        return api;
    }

    /// <summary>Starts a run now; it does nothing (status <c>skipped</c>) when another run is in progress.</summary>
    public static async Task<Accepted<ReconciliationStarted>> StartAsync(ITemporalClient temporal, TemporalSettings settings)
    {
        var id = $"{ReconciliationWorkflow.IdPrefix}{Guid.NewGuid()}";
        await temporal.StartWorkflowAsync((ReconciliationWorkflow workflow) => workflow.RunAsync(), new WorkflowOptions(id, settings.TaskQueue));
        return TypedResults.Accepted($"/api/v1/admin/reconciliations/{id}", new ReconciliationStarted(id));
    }

    public static async Task<Results<Ok<ReconciliationList>, ValidationProblem>> ListAsync(ReconciliationStore store, int? limit, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > MaxListed)
        {
            return ApiProblems.Invalid(new Dictionary<string, string[]> { ["limit"] = [$"limit must be between 1 and {MaxListed}."] });
        }

        var runs = await store.ListAsync(limit ?? 20, cancellationToken);
        return TypedResults.Ok(new ReconciliationList([.. runs.Select(ReconciliationResponse.From)]));
    }

    /// <summary>A run that has not written its row yet (it just started) is read from Temporal.</summary>
    public static async Task<Results<Ok<ReconciliationResponse>, ProblemHttpResult>> GetAsync(
        string id, ReconciliationStore store, ITemporalClient temporal, CancellationToken cancellationToken)
    {
        if (id.Length > 200)
        {
            return ApiProblems.NotFound($"There is no reconciliation run '{id}'.");
        }

        if (await store.GetAsync(id, cancellationToken) is { } report)
        {
            return TypedResults.Ok(ReconciliationResponse.From(report));
        }

        if (id.StartsWith(ReconciliationWorkflow.IdPrefix, StringComparison.Ordinal))
        {
            try
            {
                var description = await temporal.GetWorkflowHandle(id).DescribeAsync(new() { Rpc = new() { CancellationToken = cancellationToken } });
                if (description.WorkflowType == nameof(ReconciliationWorkflow))
                {
                    return TypedResults.Ok(new ReconciliationResponse(id, ReconciliationReport.Running, description.StartTime, null, []));
                }
            }
            catch (RpcException error) when (error.Code == RpcException.StatusCode.NotFound)
            {
            }
        }

        return ApiProblems.NotFound($"There is no reconciliation run '{id}'.");
    }
}
