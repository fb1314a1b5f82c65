using Grpc.Core;
using OmniFlow.TemporalServer.Persistence;
using Temporalio.Api.Update.V1;

namespace OmniFlow.TemporalServer.Engine.StateMachines;

public enum UpdatePhase
{
    /// <summary>Registered with the run; waits for the next workflow task to carry its request to a worker.</summary>
    Admitted,

    /// <summary>Its request went to a worker with a workflow task; the worker has not answered yet.</summary>
    Sent,

    /// <summary>The worker accepted it (WorkflowExecutionUpdateAccepted written); its handler runs.</summary>
    Accepted,

    /// <summary>The worker answered (WorkflowExecutionUpdateCompleted written); the outcome is in that event.</summary>
    Completed,

    /// <summary>The worker's validator rejected it; nothing was written.</summary>
    Rejected,

    /// <summary>The run closed before the update completed.</summary>
    Aborted,
}

public enum UpdateEvent
{
    /// <summary>A workflow task carries its request to a worker (again, after a task that failed or timed out).</summary>
    Send,

    /// <summary>The worker's Acceptance.</summary>
    Accept,

    /// <summary>The worker's Rejection, or no answer to a request it was sent.</summary>
    Reject,

    /// <summary>The worker's Response.</summary>
    Complete,

    /// <summary>The run closed.</summary>
    Abort,
}

/// <summary>
/// One workflow update, as the real server's registry keeps it; its legal transitions are <see cref="Transitions"/>.
/// Rejected, Completed and Aborted are final. Every transition wakes the callers waiting on <see cref="Changed"/>.
/// </summary>
public sealed class UpdateMachine(string updateId, Request request)
{
    public static readonly TransitionTable<UpdatePhase, UpdateEvent> Transitions = new(
        "Update",
        (UpdatePhase.Admitted, UpdateEvent.Send, UpdatePhase.Sent),
        (UpdatePhase.Sent, UpdateEvent.Send, UpdatePhase.Sent),
        (UpdatePhase.Admitted, UpdateEvent.Accept, UpdatePhase.Accepted),
        (UpdatePhase.Sent, UpdateEvent.Accept, UpdatePhase.Accepted),
        (UpdatePhase.Admitted, UpdateEvent.Reject, UpdatePhase.Rejected),
        (UpdatePhase.Sent, UpdateEvent.Reject, UpdatePhase.Rejected),
        (UpdatePhase.Accepted, UpdateEvent.Complete, UpdatePhase.Completed),
        (UpdatePhase.Admitted, UpdateEvent.Abort, UpdatePhase.Aborted),
        (UpdatePhase.Sent, UpdateEvent.Abort, UpdatePhase.Aborted),
        (UpdatePhase.Accepted, UpdateEvent.Abort, UpdatePhase.Aborted));

    private TaskCompletionSource? _changed;

    public string UpdateId { get; } = updateId;

    public Request Request { get; } = request;

    public UpdatePhase Phase { get; private set; } = UpdatePhase.Admitted;

    /// <summary>The sequencing event id the request was last sent with (the workflow task's started event id - 1).</summary>
    public long SequencingEventId { get; private set; }

    public long AcceptedEventId { get; private set; }

    public long CompletedEventId { get; private set; }

    /// <summary>The outcome of a rejection, or of an accepted update the run closed on; a completed one's is in its event.</summary>
    public Outcome? Outcome { get; private set; }

    /// <summary>Why an update that never reached a worker's answer failed (the run closed).</summary>
    public RpcException? Error { get; private set; }

    /// <summary>Aborted before it was accepted by a run that closed into a new run (continue-as-new, retry, cron): it belongs there.</summary>
    public bool MovesToNewRun { get; private set; }

    private readonly TaskCompletionSource _readmitted = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the caller that sent an update that <see cref="MovesToNewRun"/> has admitted it there.</summary>
    public Task Readmitted => _readmitted.Task;

    public void MarkReadmitted() => _readmitted.TrySetResult();

    public bool IsFinal => Transitions.IsFinal(Phase);

    public bool Allows(UpdateEvent on) => Transitions.Allows(Phase, on);

    public string RequestMessageId => UpdateId + "/request";

    /// <summary>Completes at the next transition; read under the run's lock.</summary>
    public Task Changed => (_changed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void Send(long sequencingEventId)
    {
        var next = Transitions.Next(Phase, UpdateEvent.Send);
        SequencingEventId = sequencingEventId;
        Move(next);
    }

    public void Accept(long acceptedEventId)
    {
        var next = Transitions.Next(Phase, UpdateEvent.Accept);
        AcceptedEventId = acceptedEventId;
        Move(next);
    }

    public void Reject(Temporalio.Api.Failure.V1.Failure failure)
    {
        var next = Transitions.Next(Phase, UpdateEvent.Reject);
        Outcome = new Outcome { Failure = failure };
        Move(next);
    }

    public void Complete(long completedEventId)
    {
        var next = Transitions.Next(Phase, UpdateEvent.Complete);
        CompletedEventId = completedEventId;
        Move(next);
    }

    /// <summary>
    /// The run closed: an accepted update gets a failure outcome, one the workflow never accepted an error — and, when
    /// the run goes on as a new run, is marked to be admitted there.
    /// </summary>
    public void Abort(Outcome acceptedOutcome, RpcException notAcceptedError, bool newRun)
    {
        var next = Transitions.Next(Phase, UpdateEvent.Abort);
        if (Phase == UpdatePhase.Accepted)
        {
            Outcome = acceptedOutcome;
        }
        else
        {
            Error = notAcceptedError;
            MovesToNewRun = newRun;
        }

        Move(next);
    }

    private void Move(UpdatePhase phase)
    {
        Phase = phase;
        if (_changed is { } changed)
        {
            _changed = null;
            changed.TrySetResult();
        }
    }

    /// <summary>A final update keeps no request: its outcome is in its event, or in <see cref="Outcome"/>/<see cref="Error"/>.</summary>
    public void Write(StateWriter writer) => writer
        .Write(UpdateId).Write(IsFinal ? null : Request).Write((int)Phase).Write(SequencingEventId).Write(AcceptedEventId)
        .Write(CompletedEventId).Write(Outcome).Write(Error?.Status.Detail);

    public static UpdateMachine Read(StateReader reader)
    {
        var update = new UpdateMachine(reader.String(), reader.Message(Request.Parser) ?? new Request())
        {
            Phase = (UpdatePhase)reader.Int(),
            SequencingEventId = reader.Long(),
            AcceptedEventId = reader.Long(),
            CompletedEventId = reader.Long(),
            Outcome = reader.Message(Outcome.Parser),
        };
        var error = reader.String();
        update.Error = error.Length > 0 ? Errors.NotFound(error) : null;
        return update;
    }
}
