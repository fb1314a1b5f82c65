namespace OmniFlow.TemporalServer.Engine.StateMachines;

/// <summary>
/// A state machine's legal transitions, states × events → next state, in one place. Whatever the table does not list is
/// illegal: <see cref="Allows"/> says so to a caller that must check (a timer firing late, a stale dispatch, a worker's
/// message), and <see cref="Next"/> refuses it with the one error for a transition the engine should never attempt.
/// </summary>
public sealed class TransitionTable<TState, TEvent>
    where TState : struct, Enum
    where TEvent : struct, Enum
{
    private readonly Dictionary<(TState From, TEvent On), TState> _next = [];

    public TransitionTable(string machine, params (TState From, TEvent On, TState To)[] rows)
    {
        Machine = machine;
        foreach (var (from, on, to) in rows)
        {
            if (!_next.TryAdd((from, on), to))
            {
                throw new ArgumentException($"{machine}: {on} from {from} is listed twice.", nameof(rows));
            }
        }
    }

    public string Machine { get; }

    public IEnumerable<(TState From, TEvent On, TState To)> Rows => _next.Select(row => (row.Key.From, row.Key.On, row.Value));

    public bool Allows(TState from, TEvent on) => _next.ContainsKey((from, on));

    /// <summary>A final state: no event leads out of it.</summary>
    public bool IsFinal(TState state) => !_next.Keys.Any(key => EqualityComparer<TState>.Default.Equals(key.From, state));

    public TState Next(TState from, TEvent on) =>
        _next.TryGetValue((from, on), out var to)
            ? to
            : throw new InvalidOperationException($"{Machine}: {on} is not a legal transition from {from}.");
}
