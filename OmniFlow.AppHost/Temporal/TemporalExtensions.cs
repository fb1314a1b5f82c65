using OmniFlow.AppHost.Local;
using OmniFlow.AppHost.MySql;
using OmniFlow.AppHost.Services;

namespace OmniFlow.AppHost.Temporal;

public static class TemporalExtensions
{
    public const int DefaultPort = 7233;

    /// <summary>
    /// Temporal's frontend, in this order: <c>Temporal:Address</c> (an external cluster); the temporalio containers
    /// (publish mode: auto-setup on the MySQL container, and the Web UI); <c>temporal server start-dev</c> when the CLI
    /// is installed (state in <c>.omniflow/temporal.db</c>); else OmniFlow.TemporalServer as a project resource (state in
    /// <c>.omniflow/omniflow-temporal.db</c>, its own format). Either way a restart keeps every workflow.
    /// Projects that reference it receive <c>ConnectionStrings__{name}</c>, the frontend's <c>host:port</c>.
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddTemporal(this IDistributedApplicationBuilder builder, string name)
    {
        var machine = LocalMachine.Of(builder);
        if (machine.IsPublishing)
        {
            return builder.AddTemporalContainers(name);
        }

        if (machine.Configured("Temporal:Address") is { } address)
        {
            var external = builder.AddConnectionString(name, ReferenceExpression.Create($"{address}"));
            machine.Announce(name, ServiceMode.External, $"Temporal:Address = {address}", external);
            return external;
        }

        var port = machine.PortFor(DefaultPort);
        string[] startDev = ["server", "start-dev", "--port", $"{port}", "--namespace", "default", "--ip", "127.0.0.1", "--headless"];
        if (machine.FindBinary("temporal") is { } cli)
        {
            Directory.CreateDirectory(machine.DataDirectory);
            var database = machine.DataPath("temporal.db");
            var devServer = builder.AddResource(new TemporalDevServerResource(name, cli, machine.DataDirectory))
                .WithLocalEndpoint(port)
                .WithArgs([.. startDev, "--db-filename", database])
                .WithHealthCheck(new TemporalHealthCheck($"127.0.0.1:{port}"));
            machine.Announce(name, ServiceMode.LocalBinary, $"{cli} dev server on 127.0.0.1:{port}, state in {database}", devServer);
            return devServer;
        }

        var stateFile = machine.DataPath("omniflow-temporal.db");
        var embedded = builder.AddResource(new TemporalServerProjectResource(name))
            .WithAnnotation<IProjectMetadata>(new Projects.OmniFlow_TemporalServer())
            .WithArgs([.. startDev, "--db-filename", stateFile])
            .WithEndpoint(TemporalServerProjectResource.EndpointName, endpoint =>
            {
                endpoint.Port = port;
                endpoint.TargetPort = port;
                endpoint.UriScheme = "http";
                endpoint.Transport = "http2";
                endpoint.IsProxied = false;
                endpoint.TargetHost = "127.0.0.1";
            })
            .WithOtlpExporter()
            .WithoutThreadPoolSpinning()
            .WithWorkstationGarbageCollector()
            .WithHealthCheck(new TemporalHealthCheck($"127.0.0.1:{port}"));
        machine.Announce(name, ServiceMode.Embedded, $"OmniFlow.TemporalServer on 127.0.0.1:{port}, state in {stateFile}", embedded);
        return embedded;
    }

    private static IResourceBuilder<IResourceWithConnectionString> AddTemporalContainers(this IDistributedApplicationBuilder builder, string name)
    {
        var mysql = builder.Resources.OfType<MySqlContainerResource>().SingleOrDefault()
            ?? throw new InvalidOperationException("In publish mode Temporal persists to the MySQL container: add the database (AddMySqlDatabase) first.");
        var temporal = builder.AddResource(new TemporalContainerResource(name))
            .WithImage("temporalio/auto-setup", "1.29")
            .WithImageRegistry("docker.io")
            .WithEnvironment("DB", "mysql8")
            .WithEnvironment("DB_PORT", MySqlDatabaseExtensions.DefaultPort.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithEnvironment("MYSQL_USER", "root")
            .WithEnvironment("MYSQL_PWD", mysql.RootPassword)
            .WithEnvironment("MYSQL_SEEDS", mysql.Name)
            .WithEndpoint(TemporalContainerResource.EndpointName, endpoint =>
            {
                endpoint.TargetPort = DefaultPort;
                endpoint.UriScheme = "http";
                endpoint.Transport = "http2";
            })
            .WaitFor(builder.CreateResourceBuilder(mysql));
        builder.AddContainer($"{name}-ui", "temporalio/ui", "2.34")
            .WithImageRegistry("docker.io")
            .WithEnvironment("TEMPORAL_ADDRESS", ReferenceExpression.Create($"{temporal.Resource.Endpoint.Property(EndpointProperty.HostAndPort)}"))
            .WithHttpEndpoint(targetPort: 8080)
            .WaitFor(temporal);
        return temporal;
    }
}
