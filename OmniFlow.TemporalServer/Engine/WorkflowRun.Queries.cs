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
    /// <summary>The run's unanswered queries, oldest first.</summary>
    private readonly OrderedDictionary<string, PendingQuery> _queries = [];

    /// <summary>
    /// Queues a query; it goes to a worker as a query task once no workflow task is outstanding, and a queued query task
    /// whose run got a workflow task meanwhile waits for that task: a worker never gets a query task for a run whose
    /// workflow task it may be working on. A run has one query task out at a time: the SDK's core, holding several for
    /// a run it is evicting, answers the first and drops the others.
    /// </summary>
    public PendingQuery AddQuery(WorkflowQuery query)
    {
        var pending = new PendingQuery(query);
        _queries[pending.Id] = pending;
        DispatchQueries();
        return pending;
    }

    public void ForgetQuery(PendingQuery query) => Remove(query.Id);

    private PendingQuery? Remove(string queryId)
    {
        if (!_queries.Remove(queryId, out var query))
        {
            return null;
        }

        query.Deadline = null;
        StopAwaitingAnswer(query);
        DispatchQueries();
        return query;
    }

    /// <summary>
    /// The worker that took the query task answered it, or its time to answer ran out (a workflow task's timeout, which
    /// a time-skipping clock does not jump to while the worker may still answer).
    /// </summary>
    private void StopAwaitingAnswer(PendingQuery query)
    {
        if (query.AwaitingAnswer)
        {
            query.AwaitingAnswer = false;
            _context.Clock.EndWork();
        }
    }

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

        if (_queries.Values.Any(q => q.Phase == QueryPhase.Queued || q.AwaitingAnswer))
        {
            return;
        }

        if (_queries.Values.FirstOrDefault(q => q.Allows(QueryEvent.Queue)) is { } next)
        {
            next.Move(QueryEvent.Queue);
            QueueQueryTask(next);
        }
    }

    /// <summary>
    /// As on a real server, the query task of a run a worker caches goes to that worker's sticky queue, where it carries
    /// no history; if no poller takes it within the sticky schedule-to-start timeout, the run loses its stickiness and
    /// the query goes to the normal queue, with the whole history for whichever worker takes it.
    /// </summary>
    private void QueueQueryTask(PendingQuery query)
    {
        if (IsOpen && _stickyQueue is { } sticky)
        {
            var stickyDispatch = new QueryTaskDispatch(this, query, sticky);
            if (_context.WorkflowQueues.Get(Namespace.Name, sticky).Add(stickyDispatch))
            {
                query.Dispatch = stickyDispatch;
                query.Deadline = Schedule(Now + _stickyScheduleToStart, () => LoseStickyQuery(stickyDispatch));
                return;
            }

            // The worker behind the sticky queue has shut down.
            _stickyQueue = null;
        }

        var dispatch = new QueryTaskDispatch(this, query);
        query.Dispatch = dispatch;
        query.Deadline = null;
        _context.WorkflowQueues.Get(Namespace.Name, TaskQueueName).Add(dispatch);
    }

    /// <summary>
    /// The query task waited in the sticky queue too long, or the queue closed: the run loses that sticky queue (not one
    /// a worker has given it since) and the query goes where the run's tasks go now.
    /// </summary>
    public void LoseStickyQuery(QueryTaskDispatch dispatch)
    {
        var query = dispatch.Query;
        if (ReferenceEquals(query.Dispatch, dispatch) && query.Phase == QueryPhase.Queued && _queries.ContainsKey(query.Id))
        {
            if (_stickyQueue == dispatch.StickyQueue)
            {
                _stickyQueue = null;
            }

            QueueQueryTask(query);
        }
    }

    /// <summary>
    /// The query task for a poller, null when it went stale: the query and the history a worker needs, none on the sticky
    /// queue. Its started event id is 0, which is how the SDK's core tells a query-only task from a workflow task: it
    /// then holds queries that arrive while it works on the run apart from workflow tasks, and answers each in turn.
    /// </summary>
    public PollWorkflowTaskQueueResponse? TryStartQuery(QueryTaskDispatch dispatch)
    {
        if (!_queries.TryGetValue(dispatch.Query.Id, out var query) || !ReferenceEquals(query.Dispatch, dispatch) || !query.Allows(QueryEvent.Start))
        {
            return null;
        }

        if (Task is not null || _completingTask)
        {
            // A workflow task was scheduled since the query was queued: the query goes with that task instead.
            query.Move(QueryEvent.YieldToWorkflowTask);
            return null;
        }

        if (dispatch.StickyQueue is { } sticky && sticky != _stickyQueue)
        {
            // Another worker has cached the run since: the query goes where the run's tasks go now.
            QueueQueryTask(query);
            return null;
        }

        query.Move(QueryEvent.Start);
        query.AwaitingAnswer = true;
        _context.Clock.BeginWork();
        query.Deadline = Schedule(Now + WorkflowTaskTimeout, () =>
        {
            StopAwaitingAnswer(query);
            DispatchQueries();
        });

        var token = new TaskToken(TaskTokenKind.QueryTask, Namespace.Name, WorkflowId, RunId, 0, 0, dispatch.Query.Id);
        var now = Timestamp.FromDateTimeOffset(Now);
        return new PollWorkflowTaskQueueResponse
        {
            TaskToken = token.ToByteString(),
            WorkflowExecution = Execution,
            WorkflowType = Started.WorkflowType,
            PreviousStartedEventId = LastCompletedStartedEventId,
            StartedEventId = 0,
            Attempt = 1,
            History = dispatch.StickyQueue is null ? History.Slice(1, History.LastEventId) : new Temporalio.Api.History.V1.History(),
            WorkflowExecutionTaskQueue = new TaskQueue { Name = TaskQueueName, Kind = TaskQueueKind.Normal },
            Query = dispatch.Query.Query,
            ScheduledTime = now,
            StartedTime = now,
        };
    }

    public void CompleteQuery(string queryId, QueryResultType resultType, Payloads? answer, string errorMessage, Failure? failure)
    {
        var query = Remove(queryId) ?? throw Errors.NotFound("Query task not found.");
        Resolve(query, resultType, answer, errorMessage, failure);
    }

    private void AnswerQuery(string queryId, WorkflowQueryResult result)
    {
        if (Remove(queryId) is { } query)
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
