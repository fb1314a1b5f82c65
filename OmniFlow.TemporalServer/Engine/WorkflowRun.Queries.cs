using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.ErrorDetails.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.Query.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.WorkflowService.V1;

namespace OmniFlow.TemporalServer.Engine;

public sealed partial class WorkflowRun
{
    private readonly Dictionary<string, PendingQuery> _queries = [];

    /// <summary>
    /// Queues a query; it goes to a worker as a query task once no workflow task is outstanding, and a queued query task
    /// whose run got a workflow task meanwhile waits for that task: a worker never gets a query task for a run whose
    /// workflow task it may be working on (the SDK's core then holds the query back and may never answer it).
    /// </summary>
    public PendingQuery AddQuery(WorkflowQuery query)
    {
        var pending = new PendingQuery(query);
        _queries[pending.Id] = pending;
        DispatchQueries();
        return pending;
    }

    public void ForgetQuery(PendingQuery query) => _queries.Remove(query.Id);

    private void DispatchQueries()
    {
        if (Task is not null || _completingTask || _queries.Count == 0)
        {
            return;
        }

        if (LastCompletedStartedEventId == 0)
        {
            if (!IsOpen)
            {
                foreach (var query in _queries.Values)
                {
                    query.Result.TrySetException(Errors.FailedPrecondition("Workflow closed before its first workflow task completed."));
                }

                _queries.Clear();
            }

            return;
        }

        foreach (var query in _queries.Values.Where(q => q.Allows(QueryEvent.Queue)))
        {
            query.Move(QueryEvent.Queue);
            _context.WorkflowQueues.Get(Namespace.Name, TaskQueueName).Add(new QueryTaskDispatch(this, query));
        }
    }

    /// <summary>The query task for a poller: the whole history plus the query; null when already answered.</summary>
    public PollWorkflowTaskQueueResponse? TryStartQuery(QueryTaskDispatch dispatch)
    {
        if (!_queries.TryGetValue(dispatch.Query.Id, out var query) || !query.Allows(QueryEvent.Start))
        {
            return null;
        }

        if (Task is not null || _completingTask)
        {
            // A workflow task was scheduled since the query was queued: the query goes with that task instead.
            query.Move(QueryEvent.YieldToWorkflowTask);
            return null;
        }

        query.Move(QueryEvent.Start);

        var token = new TaskToken(TaskTokenKind.QueryTask, Namespace.Name, WorkflowId, RunId, 0, 0, dispatch.Query.Id);
        var now = Timestamp.FromDateTimeOffset(Now);
        return new PollWorkflowTaskQueueResponse
        {
            TaskToken = token.ToByteString(),
            WorkflowExecution = Execution,
            WorkflowType = Started.WorkflowType,
            PreviousStartedEventId = LastCompletedStartedEventId,
            StartedEventId = LastCompletedStartedEventId,
            Attempt = 1,
            History = History.Slice(1, History.LastEventId),
            WorkflowExecutionTaskQueue = new TaskQueue { Name = TaskQueueName, Kind = TaskQueueKind.Normal },
            Query = dispatch.Query.Query,
            ScheduledTime = now,
            StartedTime = now,
        };
    }

    public void CompleteQuery(string queryId, QueryResultType resultType, Payloads? answer, string errorMessage, Failure? failure)
    {
        if (!_queries.Remove(queryId, out var query))
        {
            throw Errors.NotFound("Query task not found.");
        }

        Resolve(query, resultType, answer, errorMessage, failure);
    }

    private void AnswerQuery(string queryId, WorkflowQueryResult result)
    {
        if (_queries.Remove(queryId, out var query))
        {
            Resolve(query, result.ResultType, result.Answer, result.ErrorMessage, result.Failure);
        }
    }

    private static void Resolve(PendingQuery query, QueryResultType resultType, Payloads? answer, string errorMessage, Failure? failure)
    {
        if (resultType == QueryResultType.Answered)
        {
            query.Result.TrySetResult(new QueryWorkflowResponse { QueryResult = answer ?? new Payloads() });
            return;
        }

        var message = string.IsNullOrEmpty(errorMessage) ? failure?.Message ?? "query failed" : errorMessage;
        query.Result.TrySetException(Errors.WithDetail(
            Grpc.Core.StatusCode.InvalidArgument,
            message,
            new QueryFailedFailure { Failure = failure }));
    }
}
