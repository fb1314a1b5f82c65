using Temporalio.Testing;

namespace OmniFlow.Tests.TemporalServer.Infrastructure;

/// <summary>Our server launched by the SDK's own WorkflowEnvironment, as the time-skipping test server.</summary>
public sealed class TimeSkippingServerFixture : IAsyncLifetime
{
    public SdkLogSink Logs { get; } = new();

    public WorkflowEnvironment Environment { get; private set; } = null!;

    public async ValueTask InitializeAsync() =>
        Environment = await WorkflowEnvironment.StartTimeSkippingAsync(new()
        {
            TestServer = new() { ExistingPath = ServerExecutable.Path, StartupTimeout = Launch.StartupTimeout },
            Runtime = Logs.Runtime,
            LoggerFactory = Logs.Factory,
        });

    public async ValueTask DisposeAsync()
    {
        if (Environment is not null)
        {
            await Environment.ShutdownAsync();
        }
    }
}

/// <summary>Our server launched by the SDK's own WorkflowEnvironment, as the local dev server (real time).</summary>
public sealed class LocalServerFixture : IAsyncLifetime
{
    public SdkLogSink Logs { get; } = new();

    public WorkflowEnvironment Environment { get; private set; } = null!;

    public async ValueTask InitializeAsync() =>
        Environment = await WorkflowEnvironment.StartLocalAsync(new()
        {
            DevServerOptions = new() { ExistingPath = ServerExecutable.Path, StartupTimeout = Launch.StartupTimeout },
            Runtime = Logs.Runtime,
            LoggerFactory = Logs.Factory,
        });

    public async ValueTask DisposeAsync()
    {
        if (Environment is not null)
        {
            await Environment.ShutdownAsync();
        }
    }
}

/// <summary>
/// The SDK gives a launched server 5 s to answer by default; a cold .NET start beside the whole-system tests' AppHosts
/// on two cores can take longer, and a retry would only start another cold process.
/// </summary>
internal static class Launch
{
    public static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(60);
}
