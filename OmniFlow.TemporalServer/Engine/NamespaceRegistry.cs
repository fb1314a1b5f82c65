using System.Collections.Concurrent;
using OmniFlow.TemporalServer.Persistence;
using Temporalio.Api.Enums.V1;

namespace OmniFlow.TemporalServer.Engine;

/// <summary>
/// The namespaces: those stored (with their ids and custom search attributes), then those the options name, with the
/// options' search attributes added to each.
/// </summary>
public sealed class NamespaceRegistry
{
    private readonly ConcurrentDictionary<string, WorkflowNamespace> _namespaces = new();

    public NamespaceRegistry(
        IEnumerable<string> names,
        IReadOnlyDictionary<string, string>? searchAttributes = null,
        IStateStore? store = null,
        IEnumerable<NamespaceChange>? stored = null)
    {
        store ??= NoStateStore.Instance;
        foreach (var saved in stored ?? [])
        {
            _namespaces[saved.Name] = WorkflowNamespace.Read(saved.Name, saved.State, store);
        }

        foreach (var name in names.Append("default"))
        {
            var ns = _namespaces.GetOrAdd(name, n => new WorkflowNamespace(n, store));
            foreach (var (attribute, typeName) in searchAttributes ?? new Dictionary<string, string>())
            {
                if (Enum.TryParse<IndexedValueType>(typeName, ignoreCase: true, out var type) &&
                    !ns.SearchAttributes.TryGetType(attribute, out _))
                {
                    ns.SearchAttributes.Add(attribute, type);
                }
            }
        }
    }

    public IEnumerable<WorkflowNamespace> All => _namespaces.Values;

    public WorkflowNamespace Get(string name) =>
        _namespaces.TryGetValue(string.IsNullOrEmpty(name) ? "default" : name, out var ns)
            ? ns
            : throw Errors.NotFound($"Namespace {name} is not found.");

    public WorkflowNamespace? Find(string name) => _namespaces.GetValueOrDefault(name);
}
