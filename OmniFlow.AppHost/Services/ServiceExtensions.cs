using OmniFlow.AppHost.Local;

namespace OmniFlow.AppHost.Services;

/// <summary>How OmniFlow's own processes (the Api, the Worker, the embedded Temporal server) are run.</summary>
public static class ServiceExtensions
{
    /// <summary>The port of an SDK-built .NET image (<c>HTTP_PORTS</c>), where a deployment serves a project.</summary>
    public const int ContainerHttpPort = 8080;

    /// <summary>The configuration forwarded to projects that is always secret: a parameter of the deployment when publishing.</summary>
    private static readonly Dictionary<string, string> SecretKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Admin:ApiKey"] = "admin-api-key",
        ["Payments:WebhookSecret"] = "payments-webhook-secret",
    };

    /// <summary>
    /// The secret keys and their parameters' names: <see cref="SecretKeys"/>, the secret of each configured webhook
    /// (<c>notifications-webhook-N-secret</c>) and the SMTP password when the mail channel logs in (<c>Smtp:Username</c> set).
    /// </summary>
    private static Dictionary<string, string> SecretKeysOf(IConfiguration configuration)
    {
        var keys = new Dictionary<string, string>(SecretKeys, StringComparer.OrdinalIgnoreCase);
        foreach (var webhook in configuration.GetSection("Notifications:Webhooks").GetChildren())
        {
            keys[$"Notifications:Webhooks:{webhook.Key}:Secret"] = $"notifications-webhook-{webhook.Key}-secret";
        }

        if (!string.IsNullOrEmpty(configuration["Notifications:Email:Smtp:Username"]))
        {
            keys["Notifications:Email:Smtp:Password"] = "notifications-smtp-password";
        }

        return keys;
    }

    /// <summary>
    /// Serves HTTP on <paramref name="port"/> (or a free port) of this machine, not proxied by DCP: the admission path
    /// pays for no extra hop. Published, the project's container serves on <see cref="ContainerHttpPort"/>.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithDirectHttpEndpoint(this IResourceBuilder<ProjectResource> builder, int? port = null)
    {
        if (builder.ApplicationBuilder.ExecutionContext.IsPublishMode)
        {
            return builder.WithHttpEndpoint(targetPort: ContainerHttpPort);
        }

        var chosen = port ?? LocalMachine.FreePort();
        return builder.WithHttpEndpoint(port: chosen, targetPort: chosen, isProxied: false);
    }

    /// <summary>The AppHost's environment (Development under <c>dotnet run</c>) is the service's.</summary>
    public static IResourceBuilder<T> WithAppHostEnvironment<T>(this IResourceBuilder<T> builder) where T : IResourceWithEnvironment
    {
        var environment = builder.ApplicationBuilder.Environment.EnvironmentName;
        return builder.WithEnvironment("DOTNET_ENVIRONMENT", environment).WithEnvironment("ASPNETCORE_ENVIRONMENT", environment);
    }

    /// <summary>
    /// Forwards the AppHost's configuration sections (command line, environment, appsettings) as environment variables.
    /// Published, the secrets among them (<c>Admin:ApiKey</c>, <c>Payments:WebhookSecret</c>, the notification webhooks'
    /// secrets, the SMTP password: <see cref="SecretKeysOf"/>) are secret parameters the deployment supplies, never the
    /// AppHost's values; run locally, the configured values are forwarded as they are.
    /// </summary>
    public static IResourceBuilder<T> WithConfigurationSections<T>(this IResourceBuilder<T> builder, params string[] sections)
        where T : IResourceWithEnvironment
    {
        var application = builder.ApplicationBuilder;
        var configuration = application.Configuration;
        var publishing = application.ExecutionContext.IsPublishMode;
        var secrets = SecretKeysOf(configuration).Where(secret => publishing && sections.Contains(secret.Key.Split(':')[0], StringComparer.OrdinalIgnoreCase))
            .ToDictionary(secret => secret.Key, secret => SecretParameter(application, secret.Value), StringComparer.OrdinalIgnoreCase);
        foreach (var (key, parameter) in secrets)
        {
            builder.WithEnvironment(EnvironmentName(key), parameter);
        }

        return builder.WithEnvironment(context =>
        {
            foreach (var section in sections)
            {
                foreach (var (key, value) in configuration.GetSection(section).AsEnumerable().Where(pair => pair.Value is not null && !secrets.ContainsKey(pair.Key)))
                {
                    context.EnvironmentVariables[EnvironmentName(key)] = value!;
                }
            }
        });
    }

    private static string EnvironmentName(string key) => key.Replace(":", "__", StringComparison.Ordinal);

    /// <summary>One parameter per secret, shared by the projects that forward its section.</summary>
    private static IResourceBuilder<ParameterResource> SecretParameter(IDistributedApplicationBuilder builder, string name) =>
        builder.Resources.OfType<ParameterResource>().SingleOrDefault(parameter => parameter.Name == name) is { } existing
            ? builder.CreateResourceBuilder(existing)
            : builder.AddParameter(name, secret: true);

    /// <summary>
    /// Run locally, each OTLP export gives up after 1 s instead of the exporter's 10 s (a failed one is retried from
    /// memory, Aspire's default). When the AppHost stops, its dashboard stops with everything else and, while it does,
    /// holds connections without answering: a service's last export would wait the full 10 s there, past the 6 s DCP
    /// grants between SIGTERM and SIGKILL, and the service would be killed after it had drained.
    /// </summary>
    public static IResourceBuilder<T> WithPromptTelemetryShutdown<T>(this IResourceBuilder<T> builder) where T : IResourceWithEnvironment =>
        builder.ApplicationBuilder.ExecutionContext.IsRunMode ? builder.WithEnvironment("OTEL_EXPORTER_OTLP_TIMEOUT", "1000") : builder;

    /// <summary>
    /// No idle spinning of the .NET thread pool: every process of the system shares this machine's cores, and spinning
    /// workers burn CPU the others need (bench/results.md).
    /// </summary>
    public static IResourceBuilder<T> WithoutThreadPoolSpinning<T>(this IResourceBuilder<T> builder) where T : IResourceWithEnvironment =>
        builder.WithEnvironment("DOTNET_ThreadPool_UnfairSemaphoreSpinLimit", "0");

    /// <summary>
    /// Run locally, every process of the system shares this machine's cores: the workstation GC collects on the thread
    /// that allocates, in a small generation 0 that stays in use, where the server GC's larger one kept taking fresh
    /// memory, a page fault per 4 KB. The Worker and Temporal's server took a third fewer page faults per order over
    /// the system and a little less CPU in three pairs (bench/results.md, 2026-12-05). Published, each service has
    /// cores of its own and keeps the server GC.
    /// </summary>
    public static IResourceBuilder<T> WithWorkstationGarbageCollector<T>(this IResourceBuilder<T> builder) where T : IResourceWithEnvironment =>
        builder.ApplicationBuilder.ExecutionContext.IsRunMode ? builder.WithEnvironment("DOTNET_gcServer", "0") : builder;

    /// <summary>glibc's malloc settings for a Worker (<see cref="WithNativeHeapKept{T}"/>).</summary>
    private const string KeptNativeHeap =
        "glibc.malloc.trim_threshold=134217728:glibc.malloc.top_pad=16777216:glibc.malloc.mmap_threshold=8388608:glibc.malloc.hugetlb=1:glibc.malloc.arena_max=1";

    /// <summary>
    /// The Temporal SDK's Rust core allocates through glibc's malloc, which by default hands the free top of a thread's
    /// heap back to the kernel once 128 KB of it are free; the next order's allocations then fault the same pages in
    /// again. Kept up to 128 MB, grown 16 MB at a time, with blocks up to 8 MB taken from the heap instead of mapped
    /// one by one, the Worker spent 3–19 % less CPU per order in four pairs of runs. The core's cache of runs still grows
    /// the heap with every order, one page fault per 4 KB, and a fault costs 11–18 µs of CPU on our virtual machines
    /// (<c>bench/page-fault-cost.sh</c>). So the heap is also one arena, the main one, which the pad applies to, on
    /// transparent huge pages (asked for with <c>madvise</c>, the kernel's default mode): the Worker took half the page
    /// faults per order (bench/results.md, 2026-12-05). One arena serializes the threads' larger allocations (each thread
    /// keeps its small ones in its own cache): on a machine of many cores, measure it again.
    /// </summary>
    public static IResourceBuilder<T> WithNativeHeapKept<T>(this IResourceBuilder<T> builder) where T : IResourceWithEnvironment =>
        builder.WithEnvironment("GLIBC_TUNABLES", KeptNativeHeap);

    /// <summary>
    /// Hot methods move to optimized code as soon as they are hot. By default the runtime first waits for 100 ms without
    /// new compilations, which a sale's first minutes rarely leave: without the wait the Api spent about 40 % less CPU
    /// per order there (bench/results.md, 2026-12-05).
    /// </summary>
    public static IResourceBuilder<T> WithoutTieringDelay<T>(this IResourceBuilder<T> builder) where T : IResourceWithEnvironment =>
        builder.WithEnvironment("DOTNET_TC_CallCountingDelayMs", "0");
}
