namespace OmniFlow.TemporalServer.Engine;

/// <summary>What waits in a workflow task queue: a workflow task or a (legacy) query task of a run.</summary>
public abstract record WorkflowQueueItem(WorkflowRun Run);

public sealed record WorkflowTaskDispatch(WorkflowRun Run, long ScheduledEventId, int Attempt, bool Sticky = false) : WorkflowQueueItem(Run);

/// <summary>A query task; <paramref name="StickyQueue"/> names the worker's sticky queue it went to, if it did.</summary>
public sealed record QueryTaskDispatch(WorkflowRun Run, PendingQuery Query, string? StickyQueue = null) : WorkflowQueueItem(Run);

/// <summary>What waits in an activity task queue: one attempt of one activity.</summary>
public sealed record ActivityDispatch(WorkflowRun Run, long ScheduledEventId, int Attempt);
