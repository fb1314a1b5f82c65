using System.Collections.Immutable;
using Temporalio.Api.Enums.V1;

namespace OmniFlow.TemporalServer.Visibility;

/// <summary>One namespace's search attributes: the system ones plus the custom ones added through OperatorService.</summary>
public sealed class SearchAttributeRegistry : ISearchAttributeTypes
{
    private readonly Lock gate = new();
    private ImmutableDictionary<string, IndexedValueType> custom = ImmutableDictionary.Create<string, IndexedValueType>(StringComparer.Ordinal);

    public SearchAttributeRegistry()
    {
    }

    public SearchAttributeRegistry(IEnumerable<KeyValuePair<string, IndexedValueType>> initialCustom) => Add(initialCustom);

    public IReadOnlyDictionary<string, IndexedValueType> System => SystemSearchAttributes.All;

    /// <summary>A consistent snapshot of the custom attributes.</summary>
    public IReadOnlyDictionary<string, IndexedValueType> Custom => Volatile.Read(ref custom);

    public bool TryGetType(string name, out IndexedValueType type) =>
        SystemSearchAttributes.All.TryGetValue(name, out type) || Volatile.Read(ref custom).TryGetValue(name, out type);

    /// <summary>Adds a custom attribute; false when it already exists with the same type.</summary>
    public bool Add(string name, IndexedValueType type) => Add([KeyValuePair.Create(name, type)]) == 1;

    /// <summary>Adds all the attributes or none; returns how many were new (existing ones with the same type are kept).</summary>
    public int Add(IEnumerable<KeyValuePair<string, IndexedValueType>> attributes)
    {
        var requested = attributes.ToList();
        lock (gate)
        {
            var next = custom;
            foreach (var (name, type) in requested)
            {
                ValidateNewName(name);
                if (type == IndexedValueType.Unspecified || !Enum.IsDefined(type))
                {
                    throw new VisibilityQueryException($"search attribute {name} has an unknown type {type}");
                }
                if (next.TryGetValue(name, out var existing) && existing != type)
                {
                    throw new SearchAttributeAlreadyExistsException(name, existing);
                }
                next = next.SetItem(name, type);
            }
            var added = next.Count - custom.Count;
            Volatile.Write(ref custom, next);
            return added;
        }
    }

    /// <summary>Removes a custom attribute.</summary>
    public void Remove(string name) => Remove([name]);

    /// <summary>Removes all the attributes or none.</summary>
    public void Remove(IEnumerable<string> names)
    {
        var requested = names.ToList();
        lock (gate)
        {
            var next = custom;
            foreach (var name in requested)
            {
                if (SystemSearchAttributes.All.ContainsKey(name) || SystemSearchAttributes.Reserved.Contains(name))
                {
                    throw new VisibilityQueryException($"unable to remove non-custom search attribute {name}");
                }
                if (!next.ContainsKey(name))
                {
                    throw new SearchAttributeNotFoundException(name);
                }
                next = next.Remove(name);
            }
            Volatile.Write(ref custom, next);
        }
    }

    private static void ValidateNewName(string name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Trim().Length != name.Length)
        {
            throw new VisibilityQueryException($"invalid search attribute name '{name}'");
        }
        if (SystemSearchAttributes.All.ContainsKey(name) || SystemSearchAttributes.Reserved.Contains(name))
        {
            throw new VisibilityQueryException($"search attribute {name} is reserved by the system");
        }
    }
}
