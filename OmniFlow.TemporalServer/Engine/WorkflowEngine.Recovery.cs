using OmniFlow.TemporalServer.Persistence;

namespace OmniFlow.TemporalServer.Engine;

/// <summary>Brings back the stored runs at start, before the server answers anyone.</summary>
public sealed partial class WorkflowEngine
{
    /// <summary>
    /// Restores every run (in creation order, so each workflow id's latest run is its current one), then arms them:
    /// timers and timeouts go back on the clock (those due during the downtime fire at once), tasks back in their queues,
    /// and what runs asked of each other without an answer is asked again.
    /// </summary>
    public void Restore(IReadOnlyList<StoredRun> stored)
    {
        var runs = new List<WorkflowRun>(stored.Count);
        foreach (var saved in stored)
        {
            var ns = Namespaces.Get(saved.Namespace);
            var run = WorkflowRun.Restore(Context, ns, saved);
            ns.AddRun(run);
            ns.Slot(run.WorkflowId).Current = run;
            _lastRunKey = Math.Max(_lastRunKey, run.StoreKey);
            runs.Add(run);
        }

        foreach (var run in runs)
        {
            lock (run.Sync)
            {
                run.Resume();
            }
        }
    }
}
