using Google.Protobuf.WellKnownTypes;
using OmniFlow.TemporalServer.Engine.StateMachines;
using Temporalio.Api.Command.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.Protocol.V1;
using Temporalio.Api.Update.V1;

namespace OmniFlow.TemporalServer.Engine;

/// <summary>Where an update stands for its callers: the stage reached and, once it has one, its outcome.</summary>
public sealed record UpdateStatus(UpdateWorkflowExecutionLifecycleStage Stage, Outcome? Outcome);

/// <summary>
/// Workflow updates, as the real server's update registry handles them (service/history/workflow/update): an admitted
/// update rides the next workflow task to the worker as a protocol message (a task is scheduled for it if none is);
/// the worker answers with Acceptance, Rejection and Response messages, placed among its commands by
/// ProtocolMessageCommands. Acceptance writes WorkflowExecutionUpdateAccepted, Response WorkflowExecutionUpdateCompleted;
/// a rejection writes nothing. A completed update's outcome is read from its event.
/// </summary>
public sealed partial class WorkflowRun
{
    private static readonly Failure AcceptedUpdateCompletedWorkflowFailure = new()
    {
        Message = "Workflow Update failed because the Workflow completed before the Update completed.",
        Source = "Server",
        ApplicationFailureInfo = new() { Type = "AcceptedUpdateCompletedWorkflow", NonRetryable = true },
    };

    private static readonly Failure UnprocessedUpdateFailure = new()
    {
        Message = "Workflow Update is rejected because it wasn't processed by worker. Probably, Workflow Update is not supported by the worker.",
        Source = "Server",
        ApplicationFailureInfo = new() { Type = "UnprocessedUpdate", NonRetryable = true },
    };

    /// <summary>From this workflow task attempt on, the real server refuses new updates.</summary>
    private const int FailUpdateWorkflowTaskAttempt = 3;

    private readonly Dictionary<string, UpdateMachine> _updates = [];

    /// <summary>The worker's messages of the workflow task being completed, by id, until they are applied.</summary>
    private readonly Dictionary<string, Message> _unappliedMessages = [];

    /// <summary>An update admitted after the current workflow task started: the run may not close without seeing it.</summary>
    private bool HasUnsentUpdates => _updates.Count > 0 && _updates.Values.Any(u => u.Phase == UpdatePhase.Admitted);

    /// <summary>
    /// Admits an update, or finds the one with the same id (a duplicate sees the same outcome; a rejected one is
    /// admitted afresh, as the real registry forgets rejections). A closed run only answers for updates it knows.
    /// </summary>
    public UpdateMachine AdmitUpdate(Request request, bool scheduleTask = true)
    {
        var updateId = request.Meta.UpdateId;
        if (_updates.TryGetValue(updateId, out var existing) && existing.Phase != UpdatePhase.Rejected)
        {
            return existing;
        }

        EnsureOpen();
        if (Task?.Attempt >= FailUpdateWorkflowTaskAttempt)
        {
            // An update cannot mend a workflow task that keeps failing (messages are applied after events): fail fast.
            throw Errors.WithDetail(
                Grpc.Core.StatusCode.FailedPrecondition,
                "Unable to perform workflow execution update due to Workflow Task in failed state.",
                new Temporalio.Api.ErrorDetails.V1.WorkflowNotReadyFailure());
        }

        var update = new UpdateMachine(updateId, request);
        _updates[updateId] = update;
        if (scheduleTask)
        {
            // With nothing else pending, the task is speculative: a rejection leaves history as it was.
            EnsureWorkflowTask(speculative: true);
        }

        return update;
    }

    public UpdateMachine? FindUpdate(string updateId) => _updates.GetValueOrDefault(updateId);

    /// <summary>The update's stage and outcome; throws the error of an update the run closed on before accepting it.</summary>
    public UpdateStatus StatusOf(UpdateMachine update) => update.Phase switch
    {
        UpdatePhase.Admitted or UpdatePhase.Sent => new(UpdateWorkflowExecutionLifecycleStage.Admitted, null),
        UpdatePhase.Accepted => new(UpdateWorkflowExecutionLifecycleStage.Accepted, null),
        UpdatePhase.Completed => new(
            UpdateWorkflowExecutionLifecycleStage.Completed,
            History[update.CompletedEventId].WorkflowExecutionUpdateCompletedEventAttributes.Outcome),
        _ => update.Error is { } error ? throw error : new(UpdateWorkflowExecutionLifecycleStage.Completed, update.Outcome),
    };

    /// <summary>
    /// The requests a starting workflow task carries: every update not yet accepted or rejected — those admitted since
    /// the last task, and those sent with a task that failed or timed out. They are sequenced just before the task's
    /// started event.
    /// </summary>
    private List<Message> SendUpdates(long startedEventId)
    {
        var messages = new List<Message>();
        if (_updates.Count == 0)
        {
            return messages;
        }

        foreach (var update in _updates.Values.Where(u => u.Allows(UpdateEvent.Send)))
        {
            update.Send(startedEventId - 1);
            messages.Add(new Message
            {
                Id = update.RequestMessageId,
                ProtocolInstanceId = update.UpdateId,
                EventId = update.SequencingEventId,
                Body = Any.Pack(update.Request),
            });
        }

        return messages;
    }

    /// <summary>Checks the worker's update messages (and the commands that place them) before anything is written.</summary>
    private CommandValidation.Rejection? ValidateUpdateMessages(Temporalio.Api.WorkflowService.V1.RespondWorkflowTaskCompletedRequest request)
    {
        if (request.Messages.Count == 0 && request.Commands.All(c => c.AttributesCase != Command.AttributesOneofCase.ProtocolMessageCommandAttributes))
        {
            return null;
        }

        var ids = new HashSet<string>();
        var phases = _updates.ToDictionary(u => u.Key, u => u.Value.Phase);
        foreach (var message in request.Messages)
        {
            if (!ids.Add(message.Id))
            {
                return BadMessage($"Message {message.Id} appears twice.");
            }

            if (!phases.TryGetValue(message.ProtocolInstanceId, out var phase))
            {
                return BadMessage($"update {message.ProtocolInstanceId} not found");
            }

            var body = message.Body;
            if (body is null)
            {
                return BadMessage($"Message {message.Id} has no body.");
            }

            UpdateEvent? on = body.Is(Acceptance.Descriptor) ? UpdateEvent.Accept
                : body.Is(Rejection.Descriptor) ? UpdateEvent.Reject
                : body.Is(Response.Descriptor) ? UpdateEvent.Complete
                : null;
            if (on is not { } transition)
            {
                return BadMessage($"Message {message.Id} has an unknown body {body.TypeUrl}.");
            }

            if (!UpdateMachine.Transitions.Allows(phase, transition))
            {
                return BadMessage($"Update {message.ProtocolInstanceId} cannot {transition} while {phase}.");
            }

            phases[message.ProtocolInstanceId] = UpdateMachine.Transitions.Next(phase, transition);
        }

        foreach (var command in request.Commands.Where(c => c.AttributesCase == Command.AttributesOneofCase.ProtocolMessageCommandAttributes))
        {
            if (!ids.Remove(command.ProtocolMessageCommandAttributes.MessageId))
            {
                return new CommandValidation.Rejection(
                    WorkflowTaskFailedCause.BadUpdateWorkflowExecutionMessage,
                    $"ProtocolMessageCommand refers to message {command.ProtocolMessageCommandAttributes.MessageId}, which is not in the completion or is referred to twice.");
            }
        }

        return null;

        static CommandValidation.Rejection BadMessage(string message) =>
            new(WorkflowTaskFailedCause.BadUpdateWorkflowExecutionMessage, message);
    }

    private void BeginUpdateMessages(IReadOnlyCollection<Message> messages)
    {
        _unappliedMessages.Clear();
        foreach (var message in messages)
        {
            _unappliedMessages[message.Id] = message;
        }
    }

    /// <summary>A ProtocolMessageCommand: its message takes effect here, among the other commands.</summary>
    private void ApplyProtocolMessageCommand(string messageId)
    {
        if (_unappliedMessages.Remove(messageId, out var message))
        {
            ApplyUpdateMessage(message);
        }
    }

    /// <summary>
    /// After the commands: the messages no command placed take effect in their order, and an update the worker was sent
    /// but did not answer is rejected (the real server's "wasn't processed by worker").
    /// </summary>
    private void FinishUpdateMessages(IEnumerable<Message> messages)
    {
        foreach (var message in messages)
        {
            if (!IsOpen)
            {
                break;
            }

            if (_unappliedMessages.Remove(message.Id))
            {
                ApplyUpdateMessage(message);
            }
        }

        _unappliedMessages.Clear();
        if (!IsOpen || _updates.Count == 0)
        {
            return;
        }

        foreach (var update in _updates.Values.Where(u => u.Phase == UpdatePhase.Sent))
        {
            update.Reject(UnprocessedUpdateFailure);
        }
    }

    private void ApplyUpdateMessage(Message message)
    {
        var update = _updates[message.ProtocolInstanceId];
        if (message.Body.TryUnpack(out Acceptance acceptance))
        {
            var accepted = Append(new HistoryEvent
            {
                EventType = EventType.WorkflowExecutionUpdateAccepted,
                WorkflowExecutionUpdateAcceptedEventAttributes = new()
                {
                    ProtocolInstanceId = update.UpdateId,
                    AcceptedRequestMessageId = acceptance.AcceptedRequestMessageId is { Length: > 0 } messageId ? messageId : update.RequestMessageId,
                    AcceptedRequestSequencingEventId = acceptance.AcceptedRequestSequencingEventId > 0
                        ? acceptance.AcceptedRequestSequencingEventId
                        : update.SequencingEventId,
                    AcceptedRequest = acceptance.AcceptedRequest ?? update.Request,
                },
            });
            update.Accept(accepted.EventId);
        }
        else if (message.Body.TryUnpack(out Rejection rejection))
        {
            update.Reject(rejection.Failure ?? new Failure { Message = "update rejected" });
        }
        else if (message.Body.TryUnpack(out Response response))
        {
            var completed = Append(new HistoryEvent
            {
                EventType = EventType.WorkflowExecutionUpdateCompleted,
                WorkflowExecutionUpdateCompletedEventAttributes = new()
                {
                    Meta = response.Meta ?? new Meta { UpdateId = update.UpdateId },
                    AcceptedEventId = update.AcceptedEventId,
                    Outcome = response.Outcome,
                },
            });
            update.Complete(completed.EventId);
        }
    }

    /// <summary>
    /// The run closed: accepted updates fail with the server's failure, the others with "aborted by closing workflow" —
    /// but when the run goes on as a new run, a caller that named no run is moved to it (the real server's retryable
    /// WorkflowContinuing abort, which it retries against the new run).
    /// </summary>
    private void AbortUpdates(bool newRun)
    {
        foreach (var update in _updates.Values.Where(u => u.Allows(UpdateEvent.Abort)))
        {
            update.Abort(
                new Outcome { Failure = AcceptedUpdateCompletedWorkflowFailure },
                Errors.NotFound("update aborted by closing workflow"),
                newRun);
        }
    }
}
