using System.Collections.Concurrent;

namespace OmniFlow.TemporalServer.Engine;

/// <summary>A namespace: its workflow ids (each with its chain of runs) and every run by run id.</summary>
public sealed class WorkflowNamespace(string name)
{
    /// <summary>The namespace's search attributes: system ones plus custom ones (OperatorService, --search-attribute).</summary>
    public Visibility.SearchAttributeRegistry SearchAttributes { get; } = new();

    private readonly ConcurrentDictionary<string, WorkflowIdSlot> _workflowIds = new();
    private readonly ConcurrentDictionary<string, WorkflowRun> _runs = new();

    public string Name { get; } = name;

    public string Id { get; } = Guid.NewGuid().ToString();

    public WorkflowIdSlot Slot(string workflowId) => _workflowIds.GetOrAdd(workflowId, static id => new WorkflowIdSlot(id));

    public WorkflowIdSlot? FindSlot(string workflowId) => _workflowIds.GetValueOrDefault(workflowId);

    public void AddRun(WorkflowRun run) => _runs[run.RunId] = run;

    public WorkflowRun? FindRun(string runId) => _runs.GetValueOrDefault(runId);

    public IEnumerable<WorkflowRun> Runs => _runs.Values;
}

/// <summary>One workflow id: its current (latest) run. Starting a run for the id happens under this slot's lock.</summary>
public sealed class WorkflowIdSlot(string workflowId)
{
    public Lock Sync { get; } = new();

    public string WorkflowId { get; } = workflowId;

    public WorkflowRun? Current { get; set; }
}
