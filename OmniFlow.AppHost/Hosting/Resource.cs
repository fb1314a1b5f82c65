namespace OmniFlow.AppHost.Hosting;

/// <summary>A named part of the distributed application: a backing service or a project, as in Aspire's model.</summary>
public abstract class Resource(string name)
{
    public string Name { get; } = name;

    public abstract string Kind { get; }

    /// <summary>Resources that must be healthy before this one starts (<c>WaitFor</c>).</summary>
    public List<Resource> WaitsFor { get; } = [];

    /// <summary>Resources whose connection information is injected into this one (<c>WithReference</c>).</summary>
    public List<IResourceWithConnectionString> References { get; } = [];

    /// <summary>Extra environment variables (<c>WithEnvironment</c>), evaluated when the resource is planned.</summary>
    public Dictionary<string, Func<string?>> Environment { get; } = [];

    /// <summary>The <see cref="Environment"/> values as they are now; variables whose value is null are left out.</summary>
    public Dictionary<string, string> ResolveEnvironment() =>
        Environment.Select(pair => (pair.Key, Value: pair.Value())).Where(pair => pair.Value is not null).ToDictionary(pair => pair.Key, pair => pair.Value!);

    /// <summary>Decides how this resource runs on this machine: mode, endpoint, process and health check.</summary>
    public abstract ResourcePlan Plan(RunContext context);

    /// <summary>Every resource this one depends on, for ordering.</summary>
    public IEnumerable<Resource> Dependencies =>
        WaitsFor.Concat(References.OfType<Resource>()).Distinct();
}

/// <summary>A resource other resources reach through a connection string named after it.</summary>
public interface IResourceWithConnectionString
{
    string Name { get; }

    /// <summary>The environment variable a referencing process receives, e.g. <c>ConnectionStrings__redis</c>.</summary>
    string EnvironmentVariable => $"ConnectionStrings__{Name}";

    /// <summary>The value once planned; null when the consumer should use its embedded default.</summary>
    string? ConnectionString { get; }
}

/// <summary>Project metadata generated from the AppHost's project references (Aspire's <c>IProjectMetadata</c>).</summary>
public interface IProjectMetadata
{
    string ProjectPath { get; }
}
