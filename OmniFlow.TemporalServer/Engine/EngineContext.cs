using Microsoft.Extensions.Logging;
using OmniFlow.TemporalServer.Matching;
using OmniFlow.TemporalServer.Time;

namespace OmniFlow.TemporalServer.Engine;

/// <summary>What every run shares: the clock, the task queues, and a way to act on other runs.</summary>
public sealed class EngineContext(IClock clock, ILoggerFactory loggerFactory)
{
    public IClock Clock { get; } = clock;

    public TaskQueueRegistry<WorkflowQueueItem> WorkflowQueues { get; } = new();

    public TaskQueueRegistry<ActivityDispatch> ActivityQueues { get; } = new();

    /// <summary>History length from which a workflow task suggests continue-as-new.</summary>
    public int HistoryCountSuggestContinueAsNew { get; init; } = 4 * 1024;

    /// <summary>History size in bytes from which a workflow task suggests continue-as-new.</summary>
    public long HistorySizeSuggestContinueAsNew { get; init; } = 4 * 1024 * 1024;

    public ILogger Logger { get; } = loggerFactory.CreateLogger("OmniFlow.TemporalServer.Engine");

    /// <summary>Where changed runs are kept; the in-memory server keeps nothing.</summary>
    public Persistence.IStateStore Store { get; init; } = Persistence.NoStateStore.Instance;

    /// <summary>Set by the engine: how runs reach other runs.</summary>
    public IRunDirectory Directory { get; set; } = null!;

    /// <summary>
    /// Told of every run's close event, under that run's lock (the scheduler watches the workflows it started): it must
    /// only look, and <see cref="Post"/> anything it does.
    /// </summary>
    public Action<WorkflowRun, Temporalio.Api.History.V1.HistoryEvent>? RunClosed { get; set; }

    /// <summary>Runs an action outside the caller's lock; time stands still until it has run.</summary>
    public void Post(Action action)
    {
        Clock.BeginWork();
        ThreadPool.UnsafeQueueUserWorkItem(
            state =>
            {
                try
                {
                    state.action();
                }
                catch (Exception ex)
                {
                    state.logger.LogError(ex, "A cross-run action failed");
                }
                finally
                {
                    state.clock.EndWork();
                }
            },
            (action, clock: Clock, logger: Logger),
            preferLocal: false);
    }
}
