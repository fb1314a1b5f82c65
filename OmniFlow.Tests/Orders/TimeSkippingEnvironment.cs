using Temporalio.Testing;

namespace OmniFlow.Tests.Orders;

/// <summary>One OmniFlow.TemporalServer in time-skipping mode per test class, started by the SDK's own WorkflowEnvironment.</summary>
public sealed class TimeSkippingEnvironment : IAsyncLifetime
{
    private WorkflowEnvironment? environment;

    public WorkflowEnvironment Environment => environment ?? throw new InvalidOperationException("The environment has not started.");

    public static string ServerPath
    {
        get
        {
            var name = OperatingSystem.IsWindows() ? "OmniFlow.TemporalServer.exe" : "OmniFlow.TemporalServer";
            return Path.Combine(AppContext.BaseDirectory, name);
        }
    }

    public async ValueTask InitializeAsync() =>
        environment = await WorkflowEnvironment.StartTimeSkippingAsync(new() { TestServer = new() { ExistingPath = ServerPath, StartupTimeout = TimeSpan.FromSeconds(60) } });

    public async ValueTask DisposeAsync()
    {
        if (environment is not null)
        {
            await environment.ShutdownAsync();
        }
    }
}
