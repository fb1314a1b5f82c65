using OmniFlow.AppHost.Local;

namespace OmniFlow.AppHost.Redis;

public static class RedisGateExtensions
{
    public const int DefaultPort = 6379;

    /// <summary>
    /// Redis for the admission gate, in this order: <c>ConnectionStrings:{name}</c> (external); Aspire's Redis container
    /// (publish mode, or a healthy container runtime); <c>redis-server</c> on this machine, data in <c>.omniflow/redis</c>;
    /// else null: no Redis, and the Api uses its in-process gate.
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString>? AddRedisGate(this IDistributedApplicationBuilder builder, string name)
    {
        var machine = LocalMachine.Of(builder);
        if (machine.IsPublishing || (machine.Configured($"ConnectionStrings:{name}") is null && machine.ContainerRuntimeHealthy))
        {
            var container = builder.AddRedis(name);
            machine.Announce(name, ServiceMode.Container, "Aspire's Redis container", container);
            return container;
        }

        if (machine.Configured($"ConnectionStrings:{name}") is { } configured)
        {
            var external = builder.AddConnectionString(name);
            machine.Announce(name, ServiceMode.External, $"ConnectionStrings:{name} = {configured.Split(',')[0]}", external);
            return external;
        }

        if (machine.FindBinary("redis-server") is { } binary)
        {
            var port = machine.PortFor(DefaultPort);
            var directory = machine.DataPath("redis");
            Directory.CreateDirectory(directory);
            var server = builder.AddResource(new RedisServerResource(name, binary, directory))
                .WithLocalEndpoint(port)
                .WithArgs("--port", $"{port}", "--bind", "127.0.0.1", "--dir", directory, "--save", "",
                          "--appendonly", "yes", "--appendfsync", "everysec")
                .WithRedisHealthCheck($"127.0.0.1:{port}");
            machine.Announce(name, ServiceMode.LocalBinary, $"{binary} on 127.0.0.1:{port}, data in {directory}", server);
            return server;
        }

        machine.Announce(name, ServiceMode.Embedded, "no Redis: the Api uses its in-process admission gate");
        return null;
    }

    private static IResourceBuilder<T> WithRedisHealthCheck<T>(this IResourceBuilder<T> builder, string connectionString) where T : IResource
    {
        var key = $"{builder.Resource.Name}_check";
        builder.ApplicationBuilder.Services.AddHealthChecks().AddRedis(connectionString, name: key);
        return builder.WithHealthCheck(key);
    }
}
