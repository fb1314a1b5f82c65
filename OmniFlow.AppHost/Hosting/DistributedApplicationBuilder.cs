using Microsoft.Extensions.Configuration;
using OmniFlow.AppHost.Hosting.Resources;

namespace OmniFlow.AppHost.Hosting;

/// <summary>Collects the application's resources and its configuration (command line, environment, appsettings).</summary>
public sealed class DistributedApplicationBuilder
{
    public DistributedApplicationBuilder(string[] args)
    {
        IsPublishMode = args.FirstOrDefault() == "publish";
        // appsettings come from the AppHost's project folder, not the output folder: a test's output folder also
        // holds the Api's and Worker's appsettings.json.
        var environment = System.Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") ?? "Development";
        Configuration = new ConfigurationBuilder()
            .SetBasePath(RunContext.ProjectDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddJsonFile($"appsettings.{environment}.json", optional: true)
            .AddEnvironmentVariables()
            .AddCommandLine(IsPublishMode ? args[1..] : args)
            .Build();
    }

    public IConfigurationRoot Configuration { get; }

    /// <summary><c>publish</c> writes deployment manifests instead of running the resources.</summary>
    public bool IsPublishMode { get; }

    public List<Resource> Resources { get; } = [];

    public ResourceBuilder<T> AddResource<T>(T resource) where T : Resource
    {
        if (Resources.Any(existing => existing.Name.Equals(resource.Name, StringComparison.OrdinalIgnoreCase)))
        {
            throw new InvalidOperationException($"A resource named '{resource.Name}' already exists.");
        }

        Resources.Add(resource);
        return new ResourceBuilder<T>(this, resource);
    }

    public ResourceBuilder<RedisResource> AddRedis(string name) => AddResource(new RedisResource(name));

    public ResourceBuilder<MySqlServerResource> AddMySql(string name) => AddResource(new MySqlServerResource(name));

    public ResourceBuilder<TemporalResource> AddTemporal(string name) =>
        AddResource(new TemporalResource(name, new Projects.OmniFlow_TemporalServer()));

    public ResourceBuilder<ProjectResource> AddProject<TProject>(string name) where TProject : IProjectMetadata, new() =>
        AddResource(new ProjectResource(name, new TProject()));

    public ResourceBuilder<ExecutableResource> AddExecutable(string name, string command, string workingDirectory, params string[] arguments) =>
        AddResource(new ExecutableResource(name, command, workingDirectory, arguments));

    public DistributedApplication Build() => new(this);
}

public static class MySqlBuilderExtensions
{
    public static ResourceBuilder<MySqlDatabaseResource> AddDatabase(this ResourceBuilder<MySqlServerResource> server, string name)
    {
        var database = new MySqlDatabaseResource(name, server.Resource);
        server.Resource.Databases.Add(database);
        return server.ApplicationBuilder.AddResource(database).WaitFor(server);
    }
}
