using Temporalio.Api.Enums.V1;

namespace OmniFlow.TemporalServer.Visibility;

/// <summary>A bad list filter, search attribute value or registry request: the frontend answers INVALID_ARGUMENT.</summary>
public class VisibilityQueryException(string message, int? position = null) : ArgumentException(message)
{
    /// <summary>1-based character position in the query where the problem was found, when it is about a query.</summary>
    public int? Position { get; } = position;
}

/// <summary>The custom search attribute already exists with another type: the frontend answers ALREADY_EXISTS.</summary>
public sealed class SearchAttributeAlreadyExistsException(string name, IndexedValueType existingType)
    : VisibilityQueryException($"search attribute {name} already exists with type {existingType}")
{
    public string Name { get; } = name;
    public IndexedValueType ExistingType { get; } = existingType;
}

/// <summary>The custom search attribute to remove does not exist: the frontend answers NOT_FOUND.</summary>
public sealed class SearchAttributeNotFoundException(string name)
    : VisibilityQueryException($"search attribute {name} doesn't exist")
{
    public string Name { get; } = name;
}
