using System.Collections.Concurrent;
using OmniFlow.TemporalServer.Persistence;
using Temporalio.Api.Enums.V1;

namespace OmniFlow.TemporalServer.Engine;

/// <summary>A namespace: its workflow ids (each with its chain of runs) and every run by run id.</summary>
public sealed class WorkflowNamespace(string name, IStateStore store, string? id = null) : IStored
{
    /// <summary>The namespace's search attributes: system ones plus custom ones (OperatorService, --search-attribute).</summary>
    public Visibility.SearchAttributeRegistry SearchAttributes { get; } = new();

    private readonly ConcurrentDictionary<string, WorkflowIdSlot> _workflowIds = new();
    private readonly ConcurrentDictionary<string, WorkflowRun> _runs = new();

    public string Name { get; } = name;

    public string Id { get; } = id ?? Guid.NewGuid().ToString();

    public WorkflowIdSlot Slot(string workflowId) => _workflowIds.GetOrAdd(workflowId, static id => new WorkflowIdSlot(id));

    public WorkflowIdSlot? FindSlot(string workflowId) => _workflowIds.GetValueOrDefault(workflowId);

    public void AddRun(WorkflowRun run) => _runs[run.RunId] = run;

    public WorkflowRun? FindRun(string runId) => _runs.GetValueOrDefault(runId);

    public IEnumerable<WorkflowRun> Runs => _runs.Values;

    /// <summary>Its id or custom search attributes changed: the store keeps them.</summary>
    public void Changed() => store.Changed(this);

    StoredChange IStored.Capture() => new NamespaceChange(
        Name,
        new StateWriter().Write(Id).WriteAll(SearchAttributes.Custom.ToList(), (w, a) => w.Write(a.Key).Write((int)a.Value)).ToArray());

    public static WorkflowNamespace Read(string name, byte[] state, IStateStore store)
    {
        var reader = new StateReader(state);
        var ns = new WorkflowNamespace(name, store, reader.String());
        ns.SearchAttributes.Add(reader.All(r => KeyValuePair.Create(r.String(), (IndexedValueType)r.Int())));
        return ns;
    }
}

/// <summary>One workflow id: its current (latest) run. Starting a run for the id happens under this slot's lock.</summary>
public sealed class WorkflowIdSlot(string workflowId)
{
    public Lock Sync { get; } = new();

    public string WorkflowId { get; } = workflowId;

    public WorkflowRun? Current { get; set; }
}
