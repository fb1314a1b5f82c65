using Temporalio.Testing;

namespace OmniFlow.Tests.TemporalServer.Infrastructure;

/// <summary>Our server launched by the SDK's own WorkflowEnvironment, as the time-skipping test server.</summary>
public sealed class TimeSkippingServerFixture : IAsyncLifetime
{
    public SdkLogSink Logs { get; } = new();

    public WorkflowEnvironment Environment { get; private set; } = null!;

    public async ValueTask InitializeAsync() =>
        Environment = await Launch.WithRetriesAsync(() => WorkflowEnvironment.StartTimeSkippingAsync(new()
        {
            TestServer = new() { ExistingPath = ServerExecutable.Path },
            Runtime = Logs.Runtime,
            LoggerFactory = Logs.Factory,
        }));

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
        Environment = await Launch.WithRetriesAsync(() => WorkflowEnvironment.StartLocalAsync(new()
        {
            DevServerOptions = new() { ExistingPath = ServerExecutable.Path },
            Runtime = Logs.Runtime,
            LoggerFactory = Logs.Factory,
        }));

    public async ValueTask DisposeAsync()
    {
        if (Environment is not null)
        {
            await Environment.ShutdownAsync();
        }
    }
}

/// <summary>
/// The SDK gives a launched server 5 s to answer; on a machine saturated by parallel builds a cold .NET start can miss
/// that, so the launch is tried again (a fresh process each time).
/// </summary>
internal static class Launch
{
    public static async Task<WorkflowEnvironment> WithRetriesAsync(Func<Task<WorkflowEnvironment>> start)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await start();
            }
            catch (InvalidOperationException ex) when (attempt < 6 && ex.Message.Contains("did not start", StringComparison.Ordinal))
            {
            }
        }
    }
}
