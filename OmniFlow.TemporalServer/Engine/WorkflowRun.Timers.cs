using OmniFlow.TemporalServer.Engine.StateMachines;
using Temporalio.Api.Command.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;

namespace OmniFlow.TemporalServer.Engine;

public sealed partial class WorkflowRun
{
    private readonly Dictionary<string, TimerMachine> _timers = [];

    private void StartTimer(StartTimerCommandAttributes command, long completedEventId, Temporalio.Api.Sdk.V1.UserMetadata? userMetadata)
    {
        var started = Append(new HistoryEvent
        {
            EventType = EventType.TimerStarted,
            TimerStartedEventAttributes = new()
            {
                TimerId = command.TimerId,
                StartToFireTimeout = command.StartToFireTimeout,
                WorkflowTaskCompletedEventId = completedEventId,
            },

            // The timer's summary, as the real server keeps the command's user metadata on the event.
            UserMetadata = userMetadata,
        });
        var fireAt = Now + (command.StartToFireTimeout?.ToTimeSpan() ?? TimeSpan.Zero);
        var fire = Schedule(fireAt, () => FireTimer(command.TimerId, started.EventId));
        _timers[command.TimerId] = new TimerMachine(command.TimerId, started.EventId, fire);
    }

    private void FireTimer(string timerId, long startedEventId)
    {
        if (!IsOpen || !_timers.TryGetValue(timerId, out var timer) || timer.StartedEventId != startedEventId)
        {
            return;
        }

        _timers.Remove(timerId);
        timer.Fire();
        Observe(new HistoryEvent
        {
            EventType = EventType.TimerFired,
            TimerFiredEventAttributes = new() { TimerId = timerId, StartedEventId = startedEventId },
        });
    }

    /// <summary>
    /// Cancels a running timer, or one that fired while the canceling workflow task was in flight: as on a real server,
    /// its buffered TimerFired is dropped (the workflow never saw it) and TimerCanceled is written instead.
    /// </summary>
    private void CancelTimer(string timerId, long completedEventId)
    {
        long startedEventId;
        if (_timers.Remove(timerId, out var timer))
        {
            timer.Cancel();
            startedEventId = timer.StartedEventId;
        }
        else if (BufferedTimerFired(timerId) is { } fired)
        {
            _buffered.Remove(fired);
            startedEventId = fired.TimerFiredEventAttributes.StartedEventId;
        }
        else
        {
            // Validation (CheckCommandsAgainstState) rejects a cancel of an unknown timer before anything is applied.
            throw new InvalidOperationException($"Timer {timerId} is neither running nor fired unseen.");
        }

        Append(new HistoryEvent
        {
            EventType = EventType.TimerCanceled,
            TimerCanceledEventAttributes = new()
            {
                TimerId = timerId,
                StartedEventId = startedEventId,
                WorkflowTaskCompletedEventId = completedEventId,
            },
        });
    }

    /// <summary>The TimerFired of this timer, fired while a workflow task was in flight and not yet written.</summary>
    private HistoryEvent? BufferedTimerFired(string timerId) =>
        _buffered.FirstOrDefault(e => e.EventType == EventType.TimerFired && e.TimerFiredEventAttributes.TimerId == timerId);

    private void CloseTimers()
    {
        foreach (var timer in _timers.Values)
        {
            timer.Cancel();
        }

        _timers.Clear();
    }
}
