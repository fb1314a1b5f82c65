using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.TaskQueue.V1;

namespace OmniFlow.TemporalServer.Engine;

/// <summary>Everything needed to start a run, whatever started it (a client, a parent, a continue-as-new).</summary>
public sealed record StartSpec
{
    public required string WorkflowId { get; init; }

    public required WorkflowType WorkflowType { get; init; }

    public required TaskQueue TaskQueue { get; init; }

    public Payloads? Input { get; init; }

    public Duration? ExecutionTimeout { get; init; }

    public Duration? RunTimeout { get; init; }

    public Duration? TaskTimeout { get; init; }

    public string Identity { get; init; } = "";

    public string RequestId { get; init; } = "";

    public WorkflowIdReusePolicy ReusePolicy { get; init; }

    public WorkflowIdConflictPolicy ConflictPolicy { get; init; }

    public RetryPolicy? RetryPolicy { get; init; }

    public string CronSchedule { get; init; } = "";

    public Memo? Memo { get; init; }

    public SearchAttributes? SearchAttributes { get; init; }

    public Header? Header { get; init; }

    public TimeSpan StartDelay { get; init; }

    public ParentLink? Parent { get; init; }

    public string ContinuedFromRunId { get; init; } = "";

    public string FirstExecutionRunId { get; init; } = "";

    public ContinueAsNewInitiator Initiator { get; init; }

    public Payloads? LastCompletionResult { get; init; }

    public Failure? ContinuedFailure { get; init; }

    /// <summary>The run's attempt: 1, or one more than the run it retries.</summary>
    public int Attempt { get; init; } = 1;

    /// <summary>The start's summary and details (on the WorkflowExecutionStarted event's HistoryEvent, and describe's config).</summary>
    public Temporalio.Api.Sdk.V1.UserMetadata? UserMetadata { get; init; }

    public Priority? Priority { get; init; }

    /// <summary>When the whole chain of runs (retries, cron runs, continue-as-new) must end; carried from run to run.</summary>
    public Timestamp? ExecutionExpiration { get; init; }
}
