using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.Schedule.V1;
using OmniFlow.TemporalServer.Persistence;
using OmniFlow.TemporalServer.Time;

namespace OmniFlow.TemporalServer.Scheduling;

/// <summary>
/// One schedule's state: its definition (canonical spec, action, policies with defaults, paused/notes and remaining
/// actions), its info (counters, running workflows, recent actions), its buffer of starts, and its next wake-up on the
/// clock. Every member is read and changed under <see cref="Sync"/>; a change takes it through <see cref="Enter"/>, which
/// tells the store.
/// </summary>
public sealed class ScheduleEntry(string @namespace, string scheduleId, Schedule schedule, CompiledSpec spec, DateTimeOffset now, IStateStore store)
    : IStored
{
    public static readonly TimeSpan DefaultCatchupWindow = TimeSpan.FromDays(365);
    public static readonly TimeSpan MinCatchupWindow = TimeSpan.FromSeconds(10);
    public const int RecentActionCount = 10;

    public Lock Sync { get; } = new();

    public string Namespace { get; } = @namespace;

    public string ScheduleId { get; } = scheduleId;

    public Schedule Schedule { get; private set; } = WithDefaults(schedule);

    public CompiledSpec Spec { get; private set; } = spec;

    public ScheduleInfo Info { get; } = new() { CreateTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(now) };

    public Memo? Memo { get; init; }

    public SearchAttributes? SearchAttributes { get; set; }

    public long ConflictToken { get; private set; } = 1;

    public List<BufferedStart> Buffer { get; } = [];

    public DateTimeOffset LastProcessed { get; set; } = now;

    public Payloads? LastCompletionResult { get; set; }

    public Failure? ContinuedFailure { get; set; }

    public ClockItem? Wakeup { get; set; }

    public bool Deleted { get; set; }

    /// <summary>Its place in the creation order (listing).</summary>
    public long Order { get; set; }

    private bool _changePending;

    public ScheduleState State => Schedule.State;

    public TimeSpan CatchupWindow
    {
        get
        {
            var window = Schedule.Policies.CatchupWindow?.ToTimeSpan() ?? TimeSpan.Zero;
            return window <= TimeSpan.Zero ? DefaultCatchupWindow : window < MinCatchupWindow ? MinCatchupWindow : window;
        }
    }

    public ScheduleOverlapPolicy Resolve(ScheduleOverlapPolicy policy) =>
        policy != ScheduleOverlapPolicy.Unspecified ? policy
        : Schedule.Policies.OverlapPolicy != ScheduleOverlapPolicy.Unspecified ? Schedule.Policies.OverlapPolicy
        : ScheduleOverlapPolicy.Skip;

    public void Replace(Schedule schedule, CompiledSpec spec, DateTimeOffset now)
    {
        Schedule = WithDefaults(schedule);
        Spec = spec;
        Info.UpdateTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(now);
        Bump();
    }

    /// <summary>A change the conflict token guards (update, pause, unpause, an action counted against the limit).</summary>
    public void Bump() => ConflictToken++;

    /// <summary>Whether a scheduled (not manual) action may be taken; with <paramref name="take"/>, counts it.</summary>
    public bool CanAct(bool manual, bool take)
    {
        if (manual)
        {
            return true;
        }

        if (State.Paused)
        {
            return false;
        }

        if (!State.LimitedActions)
        {
            return true;
        }

        if (State.RemainingActions <= 0)
        {
            return false;
        }

        if (take)
        {
            State.RemainingActions--;
            Bump();
        }

        return true;
    }

    /// <summary>The next <paramref name="count"/> action times from the last processed time (no more than remain).</summary>
    public IEnumerable<DateTimeOffset> FutureActionTimes(int count)
    {
        if (State.LimitedActions)
        {
            count = (int)Math.Min(count, Math.Max(State.RemainingActions, 0));
        }

        return Spec.Between(LastProcessed, DateTimeOffset.MaxValue, count).Select(t => t.Actual);
    }

    /// <summary>Takes the lock to change the entry; the store hears of it.</summary>
    public Lock.Scope Enter()
    {
        var scope = Sync.EnterScope();
        Changed();
        return scope;
    }

    /// <summary>Under the lock: the entry changed (or was created, or deleted).</summary>
    public void Changed()
    {
        if (!_changePending && store.Durable)
        {
            _changePending = true;
            store.Changed(this);
        }
    }

    StoredChange IStored.Capture()
    {
        lock (Sync)
        {
            _changePending = false;
            return new ScheduleChange(Namespace, ScheduleId, Order, Deleted ? null : new StateWriter()
                .Write(Schedule).Write(Info).Write(Memo).Write(SearchAttributes).Write(ConflictToken)
                .WriteAll(Buffer, (w, b) => w.Write(b.Nominal).Write(b.Actual).Write((int)b.Policy).Write(b.Manual))
                .Write(LastProcessed).Write(LastCompletionResult).Write(ContinuedFailure)
                .ToArray());
        }
    }

    /// <summary>A stored entry, with its spec compiled again; it is not on the clock yet.</summary>
    public static ScheduleEntry Read(ScheduleChange stored, Func<Schedule, CompiledSpec> compile, IStateStore store)
    {
        var reader = new StateReader(stored.State!);
        var schedule = reader.Message(Schedule.Parser)!;
        var info = reader.Message(ScheduleInfo.Parser)!;
        var entry = new ScheduleEntry(stored.Namespace, stored.ScheduleId, schedule, compile(schedule), info.CreateTime.ToDateTimeOffset(), store)
        {
            Memo = reader.Message(Memo.Parser),
            SearchAttributes = reader.Message(SearchAttributes.Parser),
            Order = stored.Order,
        };
        entry.Info.MergeFrom(info);
        entry.ConflictToken = reader.Long();
        entry.Buffer.AddRange(reader.All(r => new BufferedStart(r.Time(), r.Time(), (ScheduleOverlapPolicy)r.Int(), r.Bool())));
        entry.LastProcessed = reader.Time();
        entry.LastCompletionResult = reader.Message(Payloads.Parser);
        entry.ContinuedFailure = reader.Message(Failure.Parser);
        return entry;
    }

    private static Schedule WithDefaults(Schedule schedule)
    {
        var copy = schedule.Clone();
        copy.Spec ??= new ScheduleSpec();
        copy.Action ??= new ScheduleAction();
        copy.Policies ??= new SchedulePolicies();
        copy.State ??= new ScheduleState();
        if (copy.Policies.OverlapPolicy == ScheduleOverlapPolicy.Unspecified)
        {
            copy.Policies.OverlapPolicy = ScheduleOverlapPolicy.Skip;
        }

        var window = copy.Policies.CatchupWindow?.ToTimeSpan() ?? TimeSpan.Zero;
        copy.Policies.CatchupWindow = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(
            window <= TimeSpan.Zero ? DefaultCatchupWindow : window < MinCatchupWindow ? MinCatchupWindow : window);
        return copy;
    }
}
