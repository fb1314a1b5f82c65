using Grpc.Core;
using OmniFlow.TemporalServer.Engine.StateMachines;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.ErrorDetails.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.Update.V1;
using Temporalio.Api.WorkflowService.V1;

namespace OmniFlow.TemporalServer.Engine;

/// <summary>The client side of workflow updates: update, poll for its outcome, update-with-start.</summary>
public sealed partial class WorkflowEngine
{
    /// <summary>Admits the update (or finds the one with its id) and waits for the requested stage, or until the poll ends.</summary>
    public async Task<UpdateWorkflowExecutionResponse> UpdateAsync(UpdateWorkflowExecutionRequest request, CancellationToken cancellationToken)
    {
        ValidateUpdateRequest(request.Request);
        UpdateMachine? moved = null;
        while (true)
        {
            var run = ResolveRun(request.Namespace, request.WorkflowExecution?.WorkflowId ?? "", request.WorkflowExecution?.RunId);
            UpdateMachine update;
            using (run.Enter())
            {
                if (!string.IsNullOrEmpty(request.FirstExecutionRunId) && run.Started.FirstExecutionRunId != request.FirstExecutionRunId)
                {
                    throw Errors.NotFound($"workflow not found for ID: {run.WorkflowId}");
                }

                update = run.AdmitUpdate(request.Request);
            }

            moved?.MarkReadmitted();
            try
            {
                return await UpdateResponseAsync(run, update, request.WaitPolicy?.LifecycleStage ?? default, cancellationToken);
            }
            catch (RpcException) when (update.MovesToNewRun && string.IsNullOrEmpty(request.WorkflowExecution?.RunId))
            {
                // The run went on as a new run before accepting the update: it is admitted to the run now current.
                moved = update;
            }
        }
    }

    /// <summary>
    /// PollWorkflowExecutionUpdate: the known update's stage, after waiting for the requested one if asked. A poll that
    /// named no run follows an update its run moved to a new run (the real server aborts the poll with a retryable error
    /// and the retried poll looks in the run then current).
    /// </summary>
    public async Task<PollWorkflowExecutionUpdateResponse> PollUpdateAsync(PollWorkflowExecutionUpdateRequest request, CancellationToken cancellationToken)
    {
        var reference = request.UpdateRef ?? throw Errors.InvalidArgument("UpdateRef is not set on request.");
        Require(reference.UpdateId, "UpdateId");
        while (true)
        {
            var run = ResolveRun(request.Namespace, reference.WorkflowExecution?.WorkflowId ?? "", reference.WorkflowExecution?.RunId);
            UpdateMachine update;
            lock (run.Sync)
            {
                update = run.FindUpdate(reference.UpdateId) ?? throw Errors.NotFound($"update {reference.UpdateId} not found");
            }

            try
            {
                var response = await UpdateResponseAsync(run, update, request.WaitPolicy?.LifecycleStage ?? default, cancellationToken);
                return new PollWorkflowExecutionUpdateResponse { Outcome = response.Outcome, Stage = response.Stage, UpdateRef = response.UpdateRef };
            }
            catch (RpcException) when (update.MovesToNewRun && string.IsNullOrEmpty(reference.WorkflowExecution?.RunId))
            {
                // Its run went on as a new run before accepting it: the caller that sent it admits it there.
                try
                {
                    await update.Readmitted.WaitAsync(cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    throw Errors.NotFound($"update {reference.UpdateId} not found");
                }
            }
        }
    }

    /// <summary>
    /// Update-with-start (the SDK's ExecuteUpdateWithStartWorkflowAsync): starts the workflow under its conflict policy
    /// and admits the update to the run that is then current — on a new run before its first workflow task, which
    /// carries the update. A failing operation is reported in a MultiOperationExecutionFailure, the other as aborted.
    /// </summary>
    public Task<ExecuteMultiOperationResponse> ExecuteMultiOperationAsync(ExecuteMultiOperationRequest request, CancellationToken cancellationToken) =>
        ExecuteMultiOperationAsync(request, moved: null, cancellationToken);

    private async Task<ExecuteMultiOperationResponse> ExecuteMultiOperationAsync(
        ExecuteMultiOperationRequest request, UpdateMachine? moved, CancellationToken cancellationToken)
    {
        if (request.Operations.Count != 2 ||
            request.Operations[0].StartWorkflow is not { } start ||
            request.Operations[1].UpdateWorkflow is not { } updateRequest)
        {
            throw Errors.InvalidArgument("Operations have to be exactly [Start, Update].");
        }

        try
        {
            ValidateUpdateRequest(updateRequest.Request);
            if (updateRequest.WorkflowExecution is { } target &&
                ((target.WorkflowId.Length > 0 && target.WorkflowId != start.WorkflowId) || target.RunId.Length > 0))
            {
                throw Errors.InvalidArgument("The update must name the started workflow's id and no run id.");
            }
        }
        catch (RpcException ex)
        {
            throw MultiOperationFailure(ex, failedIndex: 1);
        }

        WorkflowRun run;
        bool started;
        UpdateMachine? update = null;
        try
        {
            if (start.WorkflowIdConflictPolicy == WorkflowIdConflictPolicy.Unspecified)
            {
                throw Errors.InvalidArgument("WorkflowIdConflictPolicy is not set on request.");
            }

            (run, started) = Start(request.Namespace, SpecOf(start), newRun =>
            {
                update = newRun.AdmitUpdate(updateRequest.Request, scheduleTask: false);
                return [];
            });
        }
        catch (RpcException ex)
        {
            throw MultiOperationFailure(ex, failedIndex: 0);
        }

        try
        {
            if (update is null)
            {
                using (run.Enter())
                {
                    update = run.AdmitUpdate(updateRequest.Request);
                }
            }
        }
        catch (RpcException ex)
        {
            throw MultiOperationFailure(ex, failedIndex: 1);
        }

        moved?.MarkReadmitted();
        UpdateWorkflowExecutionResponse updated;
        try
        {
            updated = await UpdateResponseAsync(run, update, updateRequest.WaitPolicy?.LifecycleStage ?? default, cancellationToken);
        }
        catch (RpcException) when (update.MovesToNewRun)
        {
            // The run went on as a new run before accepting the update: as the real server's client retries the whole
            // operation, it starts (under its conflict policy) or finds the run now current and admits the update there.
            return await ExecuteMultiOperationAsync(request, update, cancellationToken);
        }

        var response = new ExecuteMultiOperationResponse();
        response.Responses.Add(new ExecuteMultiOperationResponse.Types.Response
        {
            StartWorkflow = new StartWorkflowExecutionResponse { RunId = run.RunId, Started = started },
        });
        response.Responses.Add(new ExecuteMultiOperationResponse.Types.Response { UpdateWorkflow = updated });
        return response;
    }

    private static void ValidateUpdateRequest(Request? request)
    {
        Require(request?.Meta?.UpdateId, "Request.Meta.UpdateId");
        Require(request!.Input?.Name, "Request.Input.Name");
    }

    private static async Task<UpdateWorkflowExecutionResponse> UpdateResponseAsync(
        WorkflowRun run, UpdateMachine update, UpdateWorkflowExecutionLifecycleStage wanted, CancellationToken cancellationToken)
    {
        var status = await WaitForStageAsync(run, update, wanted, cancellationToken);
        return new UpdateWorkflowExecutionResponse
        {
            UpdateRef = new UpdateRef { WorkflowExecution = run.Execution, UpdateId = update.UpdateId },
            Outcome = status.Outcome,
            Stage = status.Stage,
        };
    }

    /// <summary>Waits until the update reaches the stage; when the poll ends first, its stage so far (the SDK asks again).</summary>
    private static async Task<UpdateStatus> WaitForStageAsync(
        WorkflowRun run, UpdateMachine update, UpdateWorkflowExecutionLifecycleStage wanted, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            lock (run.Sync)
            {
                var status = run.StatusOf(update);
                if (status.Stage >= wanted || cancellationToken.IsCancellationRequested)
                {
                    return status;
                }

                changed = update.Changed;
            }

            try
            {
                await changed.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    /// <summary>The real server's MultiOperationExecutionFailure: the failed operation's status, the other aborted.</summary>
    private static RpcException MultiOperationFailure(RpcException error, int failedIndex)
    {
        var failure = new MultiOperationExecutionFailure();
        var failed = StatusOf(error);
        for (var i = 0; i < 2; i++)
        {
            failure.Statuses.Add(i == failedIndex ? failed : new MultiOperationExecutionFailure.Types.OperationStatus
            {
                Code = (int)StatusCode.Aborted,
                Message = "Operation was aborted.",
                Details = { Google.Protobuf.WellKnownTypes.Any.Pack(new MultiOperationExecutionAborted()) },
            });
        }

        // The whole call takes the failed operation's code (not Aborted, which clients retry).
        return Errors.WithDetail((StatusCode)failed.Code, $"Update-with-Start could not be executed: {error.Status.Detail}", failure);
    }

    /// <summary>An error as an operation status, with its google.rpc.Status details when it carries them.</summary>
    private static MultiOperationExecutionFailure.Types.OperationStatus StatusOf(RpcException error)
    {
        // google.rpc.Status and OperationStatus share their fields (code 1, message 2, details 3).
        if (error.Trailers.GetValueBytes("grpc-status-details-bin") is { } encoded)
        {
            return MultiOperationExecutionFailure.Types.OperationStatus.Parser.ParseFrom(encoded);
        }

        return new MultiOperationExecutionFailure.Types.OperationStatus { Code = (int)error.StatusCode, Message = error.Status.Detail };
    }
}
