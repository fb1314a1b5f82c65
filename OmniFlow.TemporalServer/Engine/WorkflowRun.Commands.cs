using Temporalio.Api.Command.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;

namespace OmniFlow.TemporalServer.Engine;

public sealed partial class WorkflowRun
{
    /// <summary>Turns one validated command into its events and entity state.</summary>
    private void ApplyCommand(Command command, long completedEventId)
    {
        switch (command.AttributesCase)
        {
            case Command.AttributesOneofCase.ScheduleActivityTaskCommandAttributes:
                ScheduleActivity(command.ScheduleActivityTaskCommandAttributes, completedEventId, command.UserMetadata);
                break;
            case Command.AttributesOneofCase.RequestCancelActivityTaskCommandAttributes:
                RequestCancelActivity(command.RequestCancelActivityTaskCommandAttributes.ScheduledEventId, completedEventId);
                break;
            case Command.AttributesOneofCase.StartTimerCommandAttributes:
                StartTimer(command.StartTimerCommandAttributes, completedEventId, command.UserMetadata);
                break;
            case Command.AttributesOneofCase.CancelTimerCommandAttributes:
                CancelTimer(command.CancelTimerCommandAttributes.TimerId, completedEventId);
                break;
            case Command.AttributesOneofCase.CompleteWorkflowExecutionCommandAttributes:
                CompleteRun(command.CompleteWorkflowExecutionCommandAttributes, completedEventId);
                break;
            case Command.AttributesOneofCase.FailWorkflowExecutionCommandAttributes:
                FailRun(command.FailWorkflowExecutionCommandAttributes, completedEventId);
                break;
            case Command.AttributesOneofCase.CancelWorkflowExecutionCommandAttributes:
                Close(
                    new HistoryEvent
                    {
                        EventType = EventType.WorkflowExecutionCanceled,
                        WorkflowExecutionCanceledEventAttributes = new()
                        {
                            Details = command.CancelWorkflowExecutionCommandAttributes.Details,
                            WorkflowTaskCompletedEventId = completedEventId,
                        },
                    },
                    WorkflowExecutionStatus.Canceled);
                break;
            case Command.AttributesOneofCase.ContinueAsNewWorkflowExecutionCommandAttributes:
                ContinueAsNew(command.ContinueAsNewWorkflowExecutionCommandAttributes, completedEventId);
                break;
            case Command.AttributesOneofCase.RecordMarkerCommandAttributes:
                var marker = command.RecordMarkerCommandAttributes;
                var recorded = new MarkerRecordedEventAttributes
                {
                    MarkerName = marker.MarkerName,
                    Header = marker.Header,
                    Failure = marker.Failure,
                    WorkflowTaskCompletedEventId = completedEventId,
                };
                recorded.Details.Add(marker.Details);
                Append(new HistoryEvent
                {
                    EventType = EventType.MarkerRecorded,
                    MarkerRecordedEventAttributes = recorded,
                    UserMetadata = command.UserMetadata,
                });
                break;
            case Command.AttributesOneofCase.UpsertWorkflowSearchAttributesCommandAttributes:
                var upsert = command.UpsertWorkflowSearchAttributesCommandAttributes.SearchAttributes;
                Merge(SearchAttributes.IndexedFields, upsert?.IndexedFields);

                Append(new HistoryEvent
                {
                    EventType = EventType.UpsertWorkflowSearchAttributes,
                    UpsertWorkflowSearchAttributesEventAttributes = new()
                    {
                        SearchAttributes = upsert,
                        WorkflowTaskCompletedEventId = completedEventId,
                    },
                });
                break;
            case Command.AttributesOneofCase.ModifyWorkflowPropertiesCommandAttributes:
                var memo = command.ModifyWorkflowPropertiesCommandAttributes.UpsertedMemo;
                Merge(Memo.Fields, memo?.Fields);

                Append(new HistoryEvent
                {
                    EventType = EventType.WorkflowPropertiesModified,
                    WorkflowPropertiesModifiedEventAttributes = new()
                    {
                        UpsertedMemo = memo,
                        WorkflowTaskCompletedEventId = completedEventId,
                    },
                });
                break;
            case Command.AttributesOneofCase.StartChildWorkflowExecutionCommandAttributes:
                StartChild(command.StartChildWorkflowExecutionCommandAttributes, completedEventId, command.UserMetadata);
                break;
            case Command.AttributesOneofCase.SignalExternalWorkflowExecutionCommandAttributes:
                SignalExternal(command.SignalExternalWorkflowExecutionCommandAttributes, completedEventId);
                break;
            case Command.AttributesOneofCase.RequestCancelExternalWorkflowExecutionCommandAttributes:
                RequestCancelExternal(command.RequestCancelExternalWorkflowExecutionCommandAttributes, completedEventId);
                break;
            case Command.AttributesOneofCase.ProtocolMessageCommandAttributes:
                ApplyProtocolMessageCommand(command.ProtocolMessageCommandAttributes.MessageId);
                break;
            default:
                throw new InvalidOperationException($"Command {command.AttributesCase} passed validation but has no handler.");
        }
    }

    /// <summary>An upsert of search attributes or memo: a null value (the SDK's unset) removes the key, as the real server merges.</summary>
    private static void Merge(IDictionary<string, Temporalio.Api.Common.V1.Payload> target, IDictionary<string, Temporalio.Api.Common.V1.Payload>? upserted)
    {
        foreach (var (key, value) in upserted ?? new Dictionary<string, Temporalio.Api.Common.V1.Payload>())
        {
            if (IsNullPayload(value))
            {
                target.Remove(key);
            }
            else
            {
                target[key] = value;
            }
        }
    }

    private static bool IsNullPayload(Temporalio.Api.Common.V1.Payload payload) =>
        payload.Data.IsEmpty ||
        (payload.Metadata.TryGetValue("encoding", out var encoding) && encoding.ToStringUtf8() == "binary/null");

    private void CompleteRun(CompleteWorkflowExecutionCommandAttributes command, long completedEventId)
    {
        var nextRunId = StartSuccessor(NextCronRun(Now), null, command.Result);
        Close(
            new HistoryEvent
            {
                EventType = EventType.WorkflowExecutionCompleted,
                WorkflowExecutionCompletedEventAttributes = new()
                {
                    Result = command.Result,
                    WorkflowTaskCompletedEventId = completedEventId,
                    NewExecutionRunId = nextRunId,
                },
            },
            WorkflowExecutionStatus.Completed);
    }

    private void FailRun(FailWorkflowExecutionCommandAttributes command, long completedEventId)
    {
        var (successor, retryState) = SuccessorAfterFailure(command.Failure);
        // A retry starts afresh; a cron run after a failure keeps the last successful run's result.
        var lastCompletionResult = successor?.Initiator == ContinueAsNewInitiator.CronSchedule ? Started.LastCompletionResult : null;
        var nextRunId = StartSuccessor(successor, command.Failure, lastCompletionResult);
        Close(
            new HistoryEvent
            {
                EventType = EventType.WorkflowExecutionFailed,
                WorkflowExecutionFailedEventAttributes = new()
                {
                    Failure = command.Failure,
                    RetryState = retryState,
                    WorkflowTaskCompletedEventId = completedEventId,
                    NewExecutionRunId = nextRunId,
                },
            },
            WorkflowExecutionStatus.Failed);
    }
}
