using Temporalio.Api.Command.V1;
using Temporalio.Api.Enums.V1;

namespace OmniFlow.TemporalServer.Engine;

public sealed partial class WorkflowRun
{
    /// <summary>
    /// Checks a completion's commands, in order, against the run's timers and activities before any is applied, so a
    /// bad one rejects the completion as a whole (the real server discards what it applied and fails the task). A timer
    /// that fired, or an activity that ended, while the task was in flight can still be canceled: its end is buffered.
    /// </summary>
    private CommandValidation.Rejection? CheckCommandsAgainstState(IEnumerable<Command> commands)
    {
        var timers = new HashSet<string>(_timers.Keys);
        var firedUnseen = new HashSet<string>(_buffered
            .Where(e => e.EventType == EventType.TimerFired)
            .Select(e => e.TimerFiredEventAttributes.TimerId));
        var cancelRequested = new HashSet<long>(_activities.Values.Where(a => a.CancelRequested).Select(a => a.ScheduledEventId));
        foreach (var command in commands)
        {
            switch (command.AttributesCase)
            {
                case Command.AttributesOneofCase.StartTimerCommandAttributes:
                    var startedId = command.StartTimerCommandAttributes.TimerId;
                    if (!timers.Add(startedId))
                    {
                        return new(WorkflowTaskFailedCause.StartTimerDuplicateId, $"invalid history builder state for action: add-timer-started-event, TimerID: {startedId}");
                    }

                    break;
                case Command.AttributesOneofCase.CancelTimerCommandAttributes:
                    var canceledId = command.CancelTimerCommandAttributes.TimerId;
                    if (!timers.Remove(canceledId) && !firedUnseen.Remove(canceledId))
                    {
                        return new(WorkflowTaskFailedCause.BadCancelTimerAttributes, $"invalid history builder state for action: add-timer-canceled-event, TimerID: {canceledId}");
                    }

                    break;
                case Command.AttributesOneofCase.RequestCancelActivityTaskCommandAttributes:
                    var scheduledId = command.RequestCancelActivityTaskCommandAttributes.ScheduledEventId;
                    var known = _activities.ContainsKey(scheduledId) ? cancelRequested.Add(scheduledId) : HasBufferedActivityEnd(scheduledId);
                    if (!known)
                    {
                        return new(WorkflowTaskFailedCause.BadRequestCancelActivityAttributes, $"invalid history builder state for action: add-activitytask-cancel-requested-event, ScheduledEventID: {scheduledId}");
                    }

                    break;
            }
        }

        return null;
    }

    /// <summary>Buffered events the workflow has not seen, less the TimerFired events these commands make void.</summary>
    private int UnseenEventsAfter(IEnumerable<Command> commands)
    {
        var canceledTimers = commands
            .Where(c => c.AttributesCase == Command.AttributesOneofCase.CancelTimerCommandAttributes)
            .Select(c => c.CancelTimerCommandAttributes.TimerId)
            .ToHashSet();
        return _buffered.Count(e => !(e.EventType == EventType.TimerFired && canceledTimers.Contains(e.TimerFiredEventAttributes.TimerId)));
    }
}
