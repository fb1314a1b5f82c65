using OmniFlow.AppHost.Hosting.Health;
using OmniFlow.AppHost.Hosting.Processes;

namespace OmniFlow.AppHost.Hosting.Resources;

/// <summary>
/// The MySQL-compatible server: external (its database's connection string is configured), a local mariadbd/mysqld
/// initialised once under <c>.omniflow/mariadb</c> and kept between runs, or an embedded SQLite file.
/// </summary>
public sealed class MySqlServerResource(string name) : Resource(name), IResourceWithConnectionString
{
    public const int DefaultPort = 3306;
    public const string User = "omniflow";
    public const string Password = "omniflow";

    public override string Kind => "MySql";

    public List<MySqlDatabaseResource> Databases { get; } = [];

    public string? ConnectionString { get; private set; }

    /// <summary>How the databases on this server are reached, set by <see cref="Plan"/>.</summary>
    internal Func<string, string> DatabaseConnectionString { get; private set; } = _ => string.Empty;

    internal ResourceMode Mode { get; private set; }

    public override ResourcePlan Plan(RunContext context)
    {
        var database = Databases.FirstOrDefault()?.Name ?? Name;
        var resolution = context.Resolver.Resolve($"ConnectionStrings:{database}", "mariadbd", "mysqld");
        Mode = resolution.Mode;
        return resolution.Mode switch
        {
            ResourceMode.External => PlanExternal(database, resolution.ExternalValue!),
            ResourceMode.LocalBinary => PlanLocal(context, resolution.BinaryPath!),
            _ => PlanEmbedded(context),
        };
    }

    private ResourcePlan PlanExternal(string database, string connectionString)
    {
        ConnectionString = connectionString;
        DatabaseConnectionString = _ => connectionString;
        var sqlite = connectionString.StartsWith("Data Source=", StringComparison.OrdinalIgnoreCase);
        return new ResourcePlan(ResourceMode.External, $"ConnectionStrings:{database} = {Redact(connectionString)}")
        {
            Endpoint = sqlite ? connectionString : ServerOf(connectionString),
            HealthCheck = sqlite ? null : MySqlHealthCheck.FromConnectionString(connectionString),
        };
    }

    private ResourcePlan PlanLocal(RunContext context, string binary)
    {
        var port = RunContext.PortOrFree(DefaultPort);
        var directory = Path.Combine(context.DataDirectory, "mariadb");
        var dataDirectory = Path.Combine(directory, "data");
        var initFile = Path.Combine(directory, "init.sql");
        var temporaryDirectory = Path.Combine(directory, "tmp");
        var asRoot = System.Environment.UserName == "root";
        ConnectionString = $"Server=127.0.0.1;Port={port};User ID={User};Password={Password}";
        DatabaseConnectionString = database => $"{ConnectionString};Database={database}";
        List<string> arguments =
        [
            "--no-defaults", $"--datadir={dataDirectory}", $"--port={port}", "--bind-address=127.0.0.1",
            $"--socket={Path.Combine(directory, "mysqld.sock")}", $"--pid-file={Path.Combine(directory, "mysqld.pid")}",
            $"--init-file={initFile}", $"--tmpdir={temporaryDirectory}", "--skip-name-resolve", "--innodb-flush-log-at-trx-commit=2",
            "--log-warnings=1", // keeps the health probes' unauthenticated connections out of the log
        ];
        if (asRoot)
        {
            arguments.Add("--user=root");
        }

        return new ResourcePlan(ResourceMode.LocalBinary, $"{binary} on 127.0.0.1:{port}, data in {dataDirectory}")
        {
            Endpoint = $"127.0.0.1:{port}",
            Setup = (log, cancellationToken) =>
                InitialiseAsync(context, binary, dataDirectory, temporaryDirectory, initFile, asRoot, log, cancellationToken),
            Process = new ProcessSpec(binary, arguments),
            HealthCheck = new MySqlHealthCheck("127.0.0.1", port),
        };
    }

    private ResourcePlan PlanEmbedded(RunContext context)
    {
        var file = Path.Combine(context.DataDirectory, "omniflow.db");
        ConnectionString = $"Data Source={file}";
        DatabaseConnectionString = _ => ConnectionString;
        return new ResourcePlan(ResourceMode.Embedded, $"SQLite file {file}")
        {
            Endpoint = file,
            Setup = (_, _) => Task.FromResult(Directory.CreateDirectory(context.DataDirectory)),
        };
    }

    private async Task InitialiseAsync(
        RunContext context, string binary, string dataDirectory, string temporaryDirectory, string initFile, bool asRoot,
        Action<string> log, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(dataDirectory);
        // Its own temporary folder: a shared /tmp is swept by others while the server uses it.
        Directory.CreateDirectory(temporaryDirectory);
        // Runs at every server start, before it accepts connections: the databases and the application's user.
        await File.WriteAllLinesAsync(initFile,
        [
            .. Databases.Select(database => $"CREATE DATABASE IF NOT EXISTS `{database.Name}`;"),
            $"CREATE USER IF NOT EXISTS '{User}'@'%' IDENTIFIED BY '{Password}';",
            $"GRANT ALL PRIVILEGES ON *.* TO '{User}'@'%';",
        ], cancellationToken);

        if (Directory.Exists(Path.Combine(dataDirectory, "mysql")))
        {
            return;
        }

        log($"initialising {dataDirectory} (once; kept between runs)");
        var installer = context.Binaries.Find("mariadb-install-db") ?? context.Binaries.Find("mysql_install_db");
        var spec = installer is not null
            ? new ProcessSpec(installer,
                [$"--datadir={dataDirectory}", $"--tmpdir={temporaryDirectory}", "--auth-root-authentication-method=normal", "--skip-test-db", .. asRoot ? ["--user=root"] : Array.Empty<string>()])
            : new ProcessSpec(binary, ["--initialize-insecure", $"--datadir={dataDirectory}", .. asRoot ? ["--user=root"] : Array.Empty<string>()]);
        var process = ManagedProcess.Start(spec, log);
        var exitCode = await process.Exited.WaitAsync(cancellationToken);
        if (exitCode != 0)
        {
            Directory.Delete(dataDirectory, recursive: true);
            throw new InvalidOperationException($"{spec.FileName} exited with code {exitCode}");
        }
    }

    private static string ServerOf(string connectionString)
    {
        var check = connectionString.Split(';').Select(part => part.Split('=', 2)).Where(pair => pair.Length == 2)
            .ToDictionary(pair => pair[0].Trim().ToLowerInvariant(), pair => pair[1].Trim());
        return $"{check.GetValueOrDefault("server", "127.0.0.1")}:{check.GetValueOrDefault("port", $"{DefaultPort}")}";
    }

    /// <summary>Hides passwords from what is printed.</summary>
    public static string Redact(string connectionString) => string.Join(';', connectionString.Split(';').Select(part =>
        part.TrimStart().StartsWith("password", StringComparison.OrdinalIgnoreCase) || part.TrimStart().StartsWith("pwd", StringComparison.OrdinalIgnoreCase)
            ? $"{part.Split('=')[0]}=***"
            : part));
}
