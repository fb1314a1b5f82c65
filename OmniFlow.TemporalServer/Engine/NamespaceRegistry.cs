using System.Collections.Concurrent;

namespace OmniFlow.TemporalServer.Engine;

public sealed class NamespaceRegistry
{
    private readonly ConcurrentDictionary<string, WorkflowNamespace> _namespaces = new();

    public NamespaceRegistry(IEnumerable<string> names, IReadOnlyDictionary<string, string>? searchAttributes = null)
    {
        foreach (var name in names.Append("default"))
        {
            var ns = _namespaces.GetOrAdd(name, static n => new WorkflowNamespace(n));
            foreach (var (attribute, typeName) in searchAttributes ?? new Dictionary<string, string>())
            {
                if (Enum.TryParse<Temporalio.Api.Enums.V1.IndexedValueType>(typeName, ignoreCase: true, out var type))
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
