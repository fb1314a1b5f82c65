using OmniFlow.AppHost.Local;

namespace OmniFlow.AppHost.MySql;

public static class MySqlDatabaseExtensions
{
    public const int DefaultPort = 3306;

    /// <summary>
    /// The database of record, in this order: <c>ConnectionStrings:{databaseName}</c> (external: MySQL, MariaDB, or
    /// <c>Data Source=...</c> for SQLite); a <c>mysql</c> container (publish mode); <c>mariadbd</c>/<c>mysqld</c> of this
    /// machine as <paramref name="serverName"/>; else the embedded SQLite file <c>.omniflow/omniflow.db</c>.
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddMySqlDatabase(
        this IDistributedApplicationBuilder builder, string serverName, string databaseName)
    {
        var machine = LocalMachine.Of(builder);
        if (machine.IsPublishing)
        {
            var password = builder.AddParameter($"{serverName}-root-password", secret: true);
            var container = builder.AddResource(new MySqlContainerResource(serverName, password.Resource))
                .WithImage("library/mysql", "8.4")
                .WithImageRegistry("docker.io")
                .WithEnvironment("MYSQL_ROOT_PASSWORD", password)
                .WithEnvironment("MYSQL_DATABASE", databaseName)
                .WithEndpoint(MySqlContainerResource.EndpointName, endpoint =>
                {
                    endpoint.TargetPort = DefaultPort;
                    endpoint.UriScheme = "tcp";
                })
                .WithVolume($"{serverName}-data", "/var/lib/mysql");
            return builder.AddResource(new MySqlDatabaseResource(databaseName, databaseName, container.Resource));
        }

        if (machine.Configured($"ConnectionStrings:{databaseName}") is { } configured)
        {
            var external = builder.AddConnectionString(databaseName);
            machine.Announce(databaseName, ServiceMode.External, $"ConnectionStrings:{databaseName} = {Redact(configured)}", external);
            return external;
        }

        if (machine.FindBinary("mariadbd", "mysqld") is { } binary)
        {
            var port = machine.PortFor(DefaultPort);
            var server = builder.AddMariaDb(serverName, binary, machine, port);
            server.Resource.Databases.Add(databaseName);
            var database = builder.AddResource(new MySqlDatabaseResource(databaseName, databaseName, server.Resource))
                .WithStateOfParent()
                .WithHealthCheck(new MySqlHealthCheck($"Server=127.0.0.1;Port={port};User ID={MariaDbServerResource.User};Password={MariaDbServerResource.Password};Database={databaseName}"));
            machine.Announce(serverName, ServiceMode.LocalBinary, $"{binary} on 127.0.0.1:{port}, data in {server.Resource.DataDirectory}", server);
            machine.Announce(databaseName, ServiceMode.LocalBinary, $"database {databaseName} on {serverName}", database);
            return database;
        }

        var file = machine.DataPath("omniflow.db");
        Directory.CreateDirectory(machine.DataDirectory);
        var sqlite = builder.AddConnectionString(databaseName, ReferenceExpression.Create($"Data Source={file}"));
        machine.Announce(databaseName, ServiceMode.Embedded, $"SQLite file {file}", sqlite);
        return sqlite;
    }

    private static IResourceBuilder<MariaDbServerResource> AddMariaDb(
        this IDistributedApplicationBuilder builder, string name, string binary, LocalMachine machine, int port)
    {
        var server = new MariaDbServerResource(name, binary, machine.DataPath("mariadb"));
        var asRoot = Environment.UserName == "root";
        var installer = machine.FindBinary("mariadb-install-db", "mysql_install_db");
        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(server, (@event, cancellationToken) =>
            MariaDbDataDirectory.PrepareAsync(server, installer, asRoot,
                @event.Services.GetRequiredService<ResourceLoggerService>().GetLogger(server), cancellationToken));
        return builder.AddResource(server)
            .WithLocalEndpoint(port)
            .WithArgs(
                "--no-defaults", $"--datadir={server.DataDirectory}", $"--port={port}", "--bind-address=127.0.0.1",
                $"--socket={Path.Combine(server.Directory, "mysqld.sock")}", $"--pid-file={Path.Combine(server.Directory, "mysqld.pid")}",
                $"--init-file={server.InitFile}", $"--tmpdir={server.TemporaryDirectory}", "--skip-name-resolve",
                "--innodb-flush-log-at-trx-commit=2", "--log-warnings=1",
                // During a sale every Worker process's pool holds up to 100 connections (each reservation waits for the
                // hot row on one of its own): the default 151 runs out as soon as a second Worker process takes orders.
                "--max-connections=1000")
            .WithArgs(context =>
            {
                if (asRoot)
                {
                    context.Args.Add("--user=root");
                }
            })
            .WithHealthCheck(new MySqlHealthCheck($"Server=127.0.0.1;Port={port};User ID={MariaDbServerResource.User};Password={MariaDbServerResource.Password}"));
    }

    /// <summary>Hides passwords from what is printed.</summary>
    public static string Redact(string connectionString) => string.Join(';', connectionString.Split(';').Select(part =>
        part.TrimStart().StartsWith("password", StringComparison.OrdinalIgnoreCase) || part.TrimStart().StartsWith("pwd", StringComparison.OrdinalIgnoreCase)
            ? $"{part.Split('=')[0]}=***"
            : part));
}
