using OmniFlow.TemporalServer.Persistence;

namespace OmniFlow.TemporalServer.Scheduling;

/// <summary>Brings back the stored schedules at start, after the runs.</summary>
public sealed partial class Scheduler
{
    /// <summary>
    /// Registers each stored schedule, watches its running workflows again (one that closed without the schedule
    /// hearing of it is reported now), and puts its next action time on the clock: times passed meanwhile are caught up
    /// under the catchup window, as after any sleep.
    /// </summary>
    public void Restore(IEnumerable<ScheduleChange> stored, ScheduleRegistry registry)
    {
        foreach (var saved in stored)
        {
            var entry = ScheduleEntry.Read(saved, s => ScheduleService.Compile(s, saved.Namespace, saved.ScheduleId), _engine.Context.Store);
            registry.Restore(entry);
            lock (entry.Sync)
            {
                foreach (var running in entry.Info.RunningWorkflows)
                {
                    _watched[(entry.Namespace, running.WorkflowId)] = entry;
                    ReportIfClosed(entry, running.WorkflowId);
                }

                Reschedule(entry);
            }
        }
    }

    private void ReportIfClosed(ScheduleEntry entry, string workflowId)
    {
        if (_engine.TryResolveRun(entry.Namespace, workflowId, null) is not { } run)
        {
            return;
        }

        lock (run.Sync)
        {
            if (!run.IsOpen && NextRunId(run.History.Last).Length == 0)
            {
                var closeEvent = run.History.Last;
                var firstRunId = run.Started.FirstExecutionRunId;
                _engine.Context.Post(() => Closed(entry, workflowId, firstRunId, closeEvent));
            }
        }
    }
}
