using OmniFlow.AppHost.Hosting.Health;
using OmniFlow.AppHost.Hosting.Resources;

namespace OmniFlow.AppHost.Hosting;

/// <summary>The fluent handle returned by <c>Add*</c>, carrying Aspire's verbs.</summary>
public sealed class ResourceBuilder<T>(DistributedApplicationBuilder application, T resource) where T : Resource
{
    public T Resource { get; } = resource;

    public DistributedApplicationBuilder ApplicationBuilder { get; } = application;

    public ResourceBuilder<T> WithReference<TOther>(ResourceBuilder<TOther> other)
        where TOther : Resource, IResourceWithConnectionString
    {
        Resource.References.Add(other.Resource);
        return this;
    }

    public ResourceBuilder<T> WaitFor<TOther>(ResourceBuilder<TOther> other) where TOther : Resource
    {
        Resource.WaitsFor.Add(other.Resource);
        return this;
    }

    public ResourceBuilder<T> WithEnvironment(string name, string? value)
    {
        Resource.Environment[name] = () => value;
        return this;
    }

    public ResourceBuilder<T> WithEnvironment(string name, Func<string?> value)
    {
        Resource.Environment[name] = value;
        return this;
    }
}

public static class ThreadPoolSpinning
{
    public const string Variable = "DOTNET_ThreadPool_UnfairSemaphoreSpinLimit";

    /// <summary>
    /// The .NET process's idle thread-pool threads sleep at once instead of spinning: right for a process that shares
    /// the machine's cores with the others, wrong for the one hot process whose latency the spinning buys.
    /// </summary>
    public static ResourceBuilder<T> WithoutThreadPoolSpinning<T>(this ResourceBuilder<T> builder)
        where T : Resource =>
        builder.WithEnvironment(Variable, "0");
}

public static class ProjectResourceBuilderExtensions
{
    public static ResourceBuilder<ProjectResource> WithHttpEndpoint(this ResourceBuilder<ProjectResource> builder, int? port = null)
    {
        builder.Resource.HttpPort = port;
        return builder;
    }

    public static ResourceBuilder<ProjectResource> WithHttpHealthCheck(this ResourceBuilder<ProjectResource> builder, string path)
    {
        builder.Resource.HealthCheckPath = path;
        return builder;
    }

    /// <summary>Forwards the AppHost's configuration sections to the project as environment variables.</summary>
    public static ResourceBuilder<ProjectResource> WithConfigurationSections(
        this ResourceBuilder<ProjectResource> builder, params string[] sections)
    {
        builder.Resource.ForwardedSections.AddRange(sections);
        return builder;
    }
}

public static class ExecutableResourceBuilderExtensions
{
    public static ResourceBuilder<ExecutableResource> WithHealthCheck(this ResourceBuilder<ExecutableResource> builder, IHealthCheck check)
    {
        builder.Resource.HealthCheck = check;
        return builder;
    }
}
