using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace OmniFlow.Tests.AppHost;

/// <summary>OmniFlow.AppHost's Program.cs built with these arguments and not started: its resources, their annotations and environment.</summary>
internal sealed class AppHostModel : IAsyncDisposable
{
    private readonly DistributedApplication application;

    private AppHostModel(DistributedApplication application) => this.application = application;

    public IReadOnlyList<IResource> Resources => application.Services.GetRequiredService<DistributedApplicationModel>().Resources.ToList();

    public static async Task<AppHostModel> BuildAsync(params string[] args)
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.OmniFlow_AppHost>(
            [$"--AppHost:DataDirectory={Path.Combine(Path.GetTempPath(), "omniflow-model-unused")}", .. args], TestContext.Current.CancellationToken);
        // A model that never started still waits out the host's whole shutdown timeout (30 s) when it is disposed.
        builder.Services.Configure<Microsoft.Extensions.Hosting.HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(1));
        return new AppHostModel(await builder.BuildAsync(TestContext.Current.CancellationToken));
    }

    public IResource this[string name] => Resources.Single(resource => resource.Name == name);

    /// <summary>The command-line arguments a resource would be started with.</summary>
    public async Task<List<string>> ArgumentsOfAsync(string name)
    {
        var configuration = await ExecutionConfigurationBuilder.Create(this[name])
            .WithArgumentsConfig()
            .BuildAsync(new DistributedApplicationExecutionContext(DistributedApplicationOperation.Run), NullLogger.Instance, TestContext.Current.CancellationToken);
        if (configuration.Exception is not null)
        {
            throw configuration.Exception;
        }

        return configuration.Arguments.Select(argument => argument.Value).ToList();
    }

    /// <summary>The environment a resource would be started with.</summary>
    public async Task<Dictionary<string, string>> EnvironmentOfAsync(string name)
    {
        var configuration = await ExecutionConfigurationBuilder.Create(this[name])
            .WithEnvironmentVariablesConfig()
            .BuildAsync(new DistributedApplicationExecutionContext(DistributedApplicationOperation.Run), NullLogger.Instance, TestContext.Current.CancellationToken);
        if (configuration.Exception is not null)
        {
            throw configuration.Exception;
        }

        return configuration.EnvironmentVariables.ToDictionary(pair => pair.Key, pair => pair.Value);
    }

    public async ValueTask DisposeAsync() => await application.DisposeAsync();
}
