using OmniFlow.AppHost.Hosting.Health;
using OmniFlow.AppHost.Hosting.Processes;

namespace OmniFlow.AppHost.Hosting.Resources;

/// <summary>Redis for the admission gate: external, a local redis-server, or none (the Api's in-process gate).</summary>
public sealed class RedisResource(string name) : Resource(name), IResourceWithConnectionString
{
    public const int DefaultPort = 6379;

    public override string Kind => "Redis";

    public string? ConnectionString { get; private set; }

    public override ResourcePlan Plan(RunContext context)
    {
        var resolution = context.Resolver.Resolve($"ConnectionStrings:{Name}", "redis-server");
        switch (resolution.Mode)
        {
            case ResourceMode.External:
                ConnectionString = resolution.ExternalValue!;
                var (host, port) = HostPort.Parse(ConnectionString.Split(',')[0], DefaultPort);
                return new ResourcePlan(ResourceMode.External, $"ConnectionStrings:{Name} = {host}:{port}")
                {
                    Endpoint = $"{host}:{port}",
                    HealthCheck = new RedisHealthCheck(host, port),
                };
            case ResourceMode.LocalBinary:
                var localPort = RunContext.PortOrFree(DefaultPort);
                var directory = Path.Combine(context.DataDirectory, "redis");
                ConnectionString = $"127.0.0.1:{localPort}";
                return new ResourcePlan(ResourceMode.LocalBinary, $"{resolution.BinaryPath} on {ConnectionString}, data in {directory}")
                {
                    Endpoint = ConnectionString,
                    Setup = (_, _) => Task.FromResult(Directory.CreateDirectory(directory)),
                    Process = new ProcessSpec(resolution.BinaryPath!,
                        ["--port", $"{localPort}", "--bind", "127.0.0.1", "--dir", directory, "--save", "",
                         "--appendonly", "yes", "--appendfsync", "everysec"]),
                    HealthCheck = new RedisHealthCheck("127.0.0.1", localPort),
                };
            default:
                ConnectionString = null;
                return new ResourcePlan(ResourceMode.Embedded, "no Redis: the Api uses its in-process admission gate");
        }
    }
}
