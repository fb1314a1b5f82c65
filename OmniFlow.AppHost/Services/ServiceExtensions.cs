using OmniFlow.AppHost.Local;

namespace OmniFlow.AppHost.Services;

/// <summary>How OmniFlow's own processes (the Api, the Worker, the embedded Temporal server) are run.</summary>
public static class ServiceExtensions
{
    /// <summary>
    /// Serves HTTP on <paramref name="port"/> (or a free port) of this machine, not proxied by DCP: the admission path
    /// pays for no extra hop.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithDirectHttpEndpoint(this IResourceBuilder<ProjectResource> builder, int? port = null)
    {
        var chosen = port ?? LocalMachine.FreePort();
        return builder.WithHttpEndpoint(port: chosen, targetPort: chosen, isProxied: false);
    }

    /// <summary>The AppHost's environment (Development under <c>dotnet run</c>) is the service's.</summary>
    public static IResourceBuilder<T> WithAppHostEnvironment<T>(this IResourceBuilder<T> builder) where T : IResourceWithEnvironment
    {
        var environment = builder.ApplicationBuilder.Environment.EnvironmentName;
        return builder.WithEnvironment("DOTNET_ENVIRONMENT", environment).WithEnvironment("ASPNETCORE_ENVIRONMENT", environment);
    }

    /// <summary>Forwards the AppHost's configuration sections (command line, environment, appsettings) as environment variables.</summary>
    public static IResourceBuilder<T> WithConfigurationSections<T>(this IResourceBuilder<T> builder, params string[] sections)
        where T : IResourceWithEnvironment
    {
        var configuration = builder.ApplicationBuilder.Configuration;
        return builder.WithEnvironment(context =>
        {
            foreach (var section in sections)
            {
                foreach (var (key, value) in configuration.GetSection(section).AsEnumerable().Where(pair => pair.Value is not null))
                {
                    context.EnvironmentVariables[key.Replace(":", "__", StringComparison.Ordinal)] = value!;
                }
            }
        });
    }

    /// <summary>
    /// No idle spinning of the .NET thread pool: every process of the system shares this machine's cores, and spinning
    /// workers burn CPU the others need (bench/results.md).
    /// </summary>
    public static IResourceBuilder<T> WithoutThreadPoolSpinning<T>(this IResourceBuilder<T> builder) where T : IResourceWithEnvironment =>
        builder.WithEnvironment("DOTNET_ThreadPool_UnfairSemaphoreSpinLimit", "0");
}
