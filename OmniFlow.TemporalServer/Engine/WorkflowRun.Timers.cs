using OmniFlow.TemporalServer.Engine.StateMachines;
using Temporalio.Api.Command.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;

namespace OmniFlow.TemporalServer.Engine;

public sealed partial class WorkflowRun
{
    private readonly Dictionary<string, TimerMachine> _timers = [];

    private void StartTimer(StartTimerCommandAttributes command, long completedEventId)
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
        Observe(new HistoryEvent
        {
            EventType = EventType.TimerFired,
            TimerFiredEventAttributes = new() { TimerId = timerId, StartedEventId = startedEventId },
        });
    }

    private void CancelTimer(string timerId, long completedEventId)
    {
        if (!_timers.Remove(timerId, out var timer))
        {
            return;
        }

        timer.FireItem.Cancel();
        Append(new HistoryEvent
        {
            EventType = EventType.TimerCanceled,
            TimerCanceledEventAttributes = new()
            {
                TimerId = timerId,
                StartedEventId = timer.StartedEventId,
                WorkflowTaskCompletedEventId = completedEventId,
            },
        });
    }

    private void CloseTimers()
    {
        foreach (var timer in _timers.Values)
        {
            timer.FireItem.Cancel();
        }

        _timers.Clear();
    }
}
