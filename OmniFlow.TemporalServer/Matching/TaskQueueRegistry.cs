using System.Collections.Concurrent;

namespace OmniFlow.TemporalServer.Matching;

/// <summary>The task queues of every namespace, created on first use.</summary>
public sealed class TaskQueueRegistry<T>
    where T : class
{
    private readonly ConcurrentDictionary<(string Namespace, string Name), MatchingQueue<T>> _queues = new();

    public MatchingQueue<T> Get(string @namespace, string name) =>
        _queues.GetOrAdd((@namespace, name), static _ => new MatchingQueue<T>());
}
