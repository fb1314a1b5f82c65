using OmniFlow.TemporalServer.Engine;
using OmniFlow.TemporalServer.Engine.StateMachines;

namespace OmniFlow.Tests.TemporalServer.StateMachines;

public sealed class TransitionTableTests
{
    [Fact]
    public void A_listed_transition_leads_to_its_state_and_any_other_is_refused_in_the_same_words()
    {
        Assert.Equal(UpdatePhase.Accepted, UpdateMachine.Transitions.Next(UpdatePhase.Sent, UpdateEvent.Accept));
        Assert.False(UpdateMachine.Transitions.Allows(UpdatePhase.Completed, UpdateEvent.Send));

        var refused = Assert.Throws<InvalidOperationException>(() => UpdateMachine.Transitions.Next(UpdatePhase.Completed, UpdateEvent.Send));
        Assert.Equal("Update: Send is not a legal transition from Completed.", refused.Message);
    }

    [Fact]
    public void A_transition_listed_twice_is_refused_when_the_table_is_made()
    {
        var error = Assert.Throws<ArgumentException>(() => new TransitionTable<TimerPhase, TimerEvent>(
            "Timer",
            (TimerPhase.Started, TimerEvent.Fire, TimerPhase.Fired),
            (TimerPhase.Started, TimerEvent.Fire, TimerPhase.Canceled)));
        Assert.StartsWith("Timer: Fire from Started is listed twice.", error.Message);
    }

    [Fact]
    public void An_update_ends_only_completed_rejected_or_aborted()
    {
        var final = Enum.GetValues<UpdatePhase>().Where(UpdateMachine.Transitions.IsFinal);
        Assert.Equal([UpdatePhase.Completed, UpdatePhase.Rejected, UpdatePhase.Aborted], final);
    }

    [Fact]
    public void Every_phase_of_every_machine_is_reachable_from_its_first()
    {
        AssertAllReachable(UpdateMachine.Transitions, UpdatePhase.Admitted);
        AssertAllReachable(WorkflowTaskMachine.Transitions, WorkflowTaskPhase.Scheduled);
        AssertAllReachable(ActivityMachine.Transitions, ActivityPhase.Scheduled);
        AssertAllReachable(TimerMachine.Transitions, TimerPhase.Started);
        AssertAllReachable(ChildWorkflowMachine.Transitions, ChildWorkflowPhase.Initiated);
        AssertAllReachable(PendingQuery.Transitions, QueryPhase.Waiting);
    }

    [Fact]
    public void A_running_activity_must_acknowledge_a_cancel_request_and_one_not_running_ends_at_once()
    {
        var table = ActivityMachine.Transitions;
        Assert.Equal(ActivityPhase.Started, table.Next(ActivityPhase.Started, ActivityEvent.CancelRequested));
        Assert.Equal(ActivityPhase.Closed, table.Next(ActivityPhase.Scheduled, ActivityEvent.CancelRequested));
        Assert.Equal(ActivityPhase.Closed, table.Next(ActivityPhase.BackingOff, ActivityEvent.CancelRequested));
        Assert.False(table.Allows(ActivityPhase.BackingOff, ActivityEvent.StartToCloseTimeout));
        Assert.False(table.Allows(ActivityPhase.Started, ActivityEvent.ScheduleToStartTimeout));
    }

    private static void AssertAllReachable<TState, TEvent>(TransitionTable<TState, TEvent> table, TState first)
        where TState : struct, Enum
        where TEvent : struct, Enum
    {
        var reached = new HashSet<TState> { first };
        var frontier = new Queue<TState>([first]);
        while (frontier.TryDequeue(out var state))
        {
            foreach (var row in table.Rows.Where(r => EqualityComparer<TState>.Default.Equals(r.From, state)))
            {
                if (reached.Add(row.To))
                {
                    frontier.Enqueue(row.To);
                }
            }
        }

        Assert.Equal(Enum.GetValues<TState>().Order(), reached.Order());
    }
}
