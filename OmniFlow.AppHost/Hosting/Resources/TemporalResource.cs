using OmniFlow.AppHost.Hosting.Health;
using OmniFlow.AppHost.Hosting.Processes;

namespace OmniFlow.AppHost.Hosting.Resources;

/// <summary>
/// Temporal: an external cluster (<c>Temporal:Address</c>), the temporal CLI's dev server, or OmniFlow.TemporalServer.
/// Either local server is started as <c>server start-dev --port P --namespace default --ip 127.0.0.1 --headless</c>.
/// </summary>
public sealed class TemporalResource(string name, IProjectMetadata embeddedServer) : Resource(name), IResourceWithConnectionString
{
    public const int DefaultPort = 7233;

    public override string Kind => "Temporal";

    public string EnvironmentVariable => "Temporal__Address";

    public string? ConnectionString { get; private set; }

    public override ResourcePlan Plan(RunContext context)
    {
        var resolution = context.Resolver.Resolve("Temporal:Address", "temporal");
        if (resolution.Mode == ResourceMode.External)
        {
            ConnectionString = resolution.ExternalValue!;
            return new ResourcePlan(ResourceMode.External, $"Temporal:Address = {ConnectionString}")
            {
                Endpoint = ConnectionString,
                HealthCheck = new TemporalHealthCheck(ConnectionString),
            };
        }

        var port = RunContext.PortOrFree(DefaultPort);
        ConnectionString = $"127.0.0.1:{port}";
        string[] startDev = ["server", "start-dev", "--port", $"{port}", "--namespace", "default", "--ip", "127.0.0.1", "--headless"];
        var (mode, process, description) = resolution.Mode == ResourceMode.LocalBinary
            ? (ResourceMode.LocalBinary, new ProcessSpec(resolution.BinaryPath!, startDev), $"{resolution.BinaryPath} dev server on {ConnectionString}")
            : (ResourceMode.Embedded, ProjectOutput.Command(embeddedServer, startDev), $"OmniFlow.TemporalServer on {ConnectionString}");
        process = process with { Environment = ResolveEnvironment() };
        return new ResourcePlan(mode, description)
        {
            Endpoint = ConnectionString,
            Process = process,
            Setup = mode == ResourceMode.Embedded ? ProjectOutput.EnsureBuilt(embeddedServer) : null,
            HealthCheck = new TemporalHealthCheck(ConnectionString),
        };
    }
}
