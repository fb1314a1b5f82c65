using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.WorkflowService.V1;

namespace OmniFlow.TemporalServer.Engine;

/// <summary>The worker side: long polls and task completions.</summary>
public sealed partial class WorkflowEngine
{
    /// <summary>Waits for a workflow or query task; an empty response when the poll ends first.</summary>
    public async Task<PollWorkflowTaskQueueResponse> PollWorkflowTaskAsync(string @namespace, string taskQueue, string identity, CancellationToken cancellationToken)
    {
        var ns = Namespaces.Get(@namespace);
        var queue = Context.WorkflowQueues.Get(ns.Name, taskQueue);
        while (await queue.TakeAsync(cancellationToken) is { } item)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                // The poller is leaving: hand the task to the next one rather than to a caller that will not read it.
                queue.Add(item);
                break;
            }

            var run = item.Run;
            PollWorkflowTaskQueueResponse? response;
            using (run.Enter())
            {
                response = item switch
                {
                    WorkflowTaskDispatch task => run.TryStartWorkflowTask(task, identity, Guid.NewGuid().ToString()),
                    QueryTaskDispatch query => run.TryStartQuery(query),
                    _ => null,
                };
            }

            if (response is not null)
            {
                return response;
            }
        }

        return new PollWorkflowTaskQueueResponse();
    }

    public async Task<PollActivityTaskQueueResponse> PollActivityTaskAsync(string @namespace, string taskQueue, string identity, CancellationToken cancellationToken)
    {
        var ns = Namespaces.Get(@namespace);
        var queue = Context.ActivityQueues.Get(ns.Name, taskQueue);
        while (await queue.TakeAsync(cancellationToken) is { } item)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                queue.Add(item);
                break;
            }

            PollActivityTaskQueueResponse? response;
            using (item.Run.Enter())
            {
                response = item.Run.TryStartActivity(item, identity, Guid.NewGuid().ToString());
            }

            if (response is not null)
            {
                return response;
            }
        }

        return new PollActivityTaskQueueResponse();
    }

    /// <summary>A worker shut down: its sticky queue closes, and the tasks waiting there go to their normal queues.</summary>
    public void ShutdownWorker(string @namespace, string? stickyTaskQueue)
    {
        if (string.IsNullOrEmpty(stickyTaskQueue))
        {
            return;
        }

        foreach (var item in Context.WorkflowQueues.Get(@namespace, stickyTaskQueue).Close())
        {
            using (item.Run.Enter())
            {
                switch (item)
                {
                    case WorkflowTaskDispatch task:
                        item.Run.LoseStickyDispatch(task);
                        break;
                    case QueryTaskDispatch query:
                        item.Run.LoseStickyQuery(query);
                        break;
                }
            }
        }
    }

    public void ResetSticky(string @namespace, Temporalio.Api.Common.V1.WorkflowExecution? execution)
    {
        var run = ResolveRun(@namespace, execution?.WorkflowId ?? "", execution?.RunId);
        lock (run.Sync)
        {
            run.ResetStickiness();
        }
    }

    private WorkflowRun RunOf(TaskToken token, TaskTokenKind expected)
    {
        if (token.Kind != expected)
        {
            throw Errors.InvalidArgument("Task token of the wrong kind.");
        }

        return Namespaces.Get(token.Namespace).FindRun(token.RunId) ?? throw Errors.NotFound("Workflow execution not found.");
    }

    public RespondWorkflowTaskCompletedResponse CompleteWorkflowTask(RespondWorkflowTaskCompletedRequest request)
    {
        var token = TaskToken.Parse(request.TaskToken);
        var run = RunOf(token, TaskTokenKind.WorkflowTask);
        using (run.Enter())
        {
            return run.CompleteWorkflowTask(token, request);
        }
    }

    public void FailWorkflowTask(RespondWorkflowTaskFailedRequest request)
    {
        var token = TaskToken.Parse(request.TaskToken);
        var run = RunOf(token, TaskTokenKind.WorkflowTask);
        using (run.Enter())
        {
            run.FailWorkflowTask(token, request);
        }
    }

    public void CompleteQueryTask(RespondQueryTaskCompletedRequest request)
    {
        var token = TaskToken.Parse(request.TaskToken);
        var run = RunOf(token, TaskTokenKind.QueryTask);
        lock (run.Sync)
        {
            run.CompleteQuery(token.QueryId, request.CompletedType, request.QueryResult, request.ErrorMessage, request.Failure);
        }
    }

    /// <summary>Runs an activity operation for a task token, or for an activity named by id (the *ById calls).</summary>
    public T OnActivity<T>(ActivityTarget target, Func<WorkflowRun, TaskToken, T> operation)
    {
        WorkflowRun run;
        TaskToken? token = null;
        if (target.Token is { IsEmpty: false } raw)
        {
            token = TaskToken.Parse(raw);
            run = RunOf(token, TaskTokenKind.ActivityTask);
        }
        else
        {
            run = ResolveRun(target.Namespace, target.WorkflowId, target.RunId);
        }

        using (run.Enter())
        {
            return operation(run, token ?? run.TokenForActivityId(target.ActivityId));
        }
    }

    public RecordActivityTaskHeartbeatResponse Heartbeat(ActivityTarget target, Payloads? details) =>
        OnActivity(target, (run, token) => run.HeartbeatActivity(token, details));

    public void CompleteActivity(ActivityTarget target, Payloads? result, string identity) =>
        OnActivity(target, (run, token) =>
        {
            run.CompleteActivity(token, result, identity);
            return true;
        });

    public void FailActivity(ActivityTarget target, Failure failure, Payloads? lastHeartbeatDetails, string identity) =>
        OnActivity(target, (run, token) =>
        {
            run.FailActivity(token, failure, lastHeartbeatDetails, identity);
            return true;
        });

    public void CancelActivity(ActivityTarget target, Payloads? details, string identity) =>
        OnActivity(target, (run, token) =>
        {
            run.CancelActivity(token, details, identity);
            return true;
        });
}

/// <summary>An activity named by its task token, or by namespace, workflow, run and activity id.</summary>
public sealed record ActivityTarget(Google.Protobuf.ByteString? Token, string Namespace = "", string WorkflowId = "", string RunId = "", string ActivityId = "");
