using Microsoft.Extensions.Configuration;
using OmniFlow.AppHost.Hosting.Resources;

namespace OmniFlow.AppHost.Hosting.Publishing;

/// <summary>An environment variable's value in a deployment: literal, a secret's key, or a configuration key.</summary>
public sealed record DeployedValue(string? Literal = null, string? Secret = null, string? Config = null);

/// <summary>One container of the deployment, derived from a resource.</summary>
public sealed record DeployedService(string Name, string Image, int Port)
{
    public Dictionary<string, DeployedValue> Environment { get; } = [];

    public List<string> DependsOn { get; } = [];

    /// <summary>A shell command that succeeds when the container is healthy (images that have a shell and the tool).</summary>
    public string? HealthCommand { get; init; }

    /// <summary>A command run without a shell (compose <c>CMD</c>); projects probe themselves, see <c>HealthProbe</c>.</summary>
    public IReadOnlyList<string>? HealthExec { get; init; }

    /// <summary>The HTTP path Kubernetes probes (<c>httpGet</c>); compose needs a command instead.</summary>
    public string? HealthPath { get; init; }

    public string? ProjectPath { get; init; }
}

/// <summary>
/// Turns the AppHost's resources into containers for deployment: Redis and MySQL 8 images, Temporal's auto-setup image
/// and its UI, and one image per project with the same wiring the AppHost gives the processes it runs.
/// </summary>
public sealed class DeploymentModel
{
    public const string SecretName = "omniflow-secrets";
    public const string ConfigName = "omniflow-config";
    public const int ProjectPort = 8080;
    public const string MySqlPasswordSecret = "mysql-root-password";

    /// <summary>Stands for the MySQL password inside secret templates; each writer puts its own reference there.</summary>
    public const string PasswordToken = "{mysql-root-password}";

    private static readonly Dictionary<string, string> SecretSettings = new()
    {
        ["Admin:ApiKey"] = "admin-api-key",
        ["Payments:WebhookSecret"] = "payments-webhook-secret",
    };

    public DeploymentModel(IReadOnlyList<Resource> resources, IConfiguration configuration)
    {
        foreach (var resource in DistributedApplication.DependencyOrder(resources))
        {
            switch (resource)
            {
                case RedisResource redis:
                    Add(new DeployedService(redis.Name, "docker.io/library/redis:7.4", RedisResource.DefaultPort)
                    {
                        HealthCommand = "redis-cli ping",
                    });
                    Secrets[ConnectionStringSecret(redis.Name)] = $"{redis.Name}:{RedisResource.DefaultPort}";
                    break;
                case MySqlServerResource mysql:
                    var server = Add(new DeployedService(mysql.Name, "docker.io/library/mysql:8.4", MySqlServerResource.DefaultPort)
                    {
                        HealthCommand = "mysqladmin ping -h 127.0.0.1 -uroot -p\"$$MYSQL_ROOT_PASSWORD\"",
                    });
                    server.Environment["MYSQL_ROOT_PASSWORD"] = new DeployedValue(Secret: MySqlPasswordSecret);
                    if (mysql.Databases.FirstOrDefault() is { } first)
                    {
                        server.Environment["MYSQL_DATABASE"] = new DeployedValue(first.Name);
                    }

                    Secrets[MySqlPasswordSecret] = string.Empty;
                    Secrets[ConnectionStringSecret(mysql.Name)] = $"Server={mysql.Name};Port={MySqlServerResource.DefaultPort};User ID=root;Password={PasswordToken}";
                    break;
                case MySqlDatabaseResource database:
                    Secrets[ConnectionStringSecret(database.Name)] =
                        $"Server={database.Server.Name};Port={MySqlServerResource.DefaultPort};User ID=root;Password={PasswordToken};Database={database.Name}";
                    Aliases[database.Name] = database.Server.Name;
                    break;
                case TemporalResource temporal:
                    AddTemporal(temporal, resources);
                    break;
                case ProjectResource project:
                    AddProject(project, configuration);
                    break;
            }
        }

        foreach (var (key, secret) in SecretSettings)
        {
            Secrets[secret] = string.Empty;
        }
    }

    public List<DeployedService> Services { get; } = [];

    /// <summary>Secret keys and their templates (empty: a value the operator provides).</summary>
    public SortedDictionary<string, string> Secrets { get; } = new(StringComparer.Ordinal);

    /// <summary>The forwarded configuration, as environment variable names and values.</summary>
    public SortedDictionary<string, string> Config { get; } = new(StringComparer.Ordinal);

    /// <summary>Resources that are not containers themselves (a database), mapped to the container serving them.</summary>
    public Dictionary<string, string> Aliases { get; } = [];

    public static string ConnectionStringSecret(string resource) => $"connectionstrings-{resource}";

    public static string SecretEnvironmentName(string secret) => secret.Replace('-', '_').ToUpperInvariant();

    /// <summary>
    /// The project probing itself (<c>dotnet /app/X.dll --health-probe URL</c>): SDK-built images have the dotnet host
    /// but neither curl, wget nor (chiseled) a shell. <c>/app</c> is the SDK's default container working directory.
    /// </summary>
    public static IReadOnlyList<string> ProbeCommand(ProjectResource project) =>
    [
        "dotnet", $"/app/{Path.GetFileNameWithoutExtension(project.Project.ProjectPath)}.dll", "--health-probe",
        $"http://127.0.0.1:{ProjectPort}{project.HealthCheckPath}",
    ];

    private DeployedService Add(DeployedService service)
    {
        Services.Add(service);
        return service;
    }

    private void AddTemporal(TemporalResource temporal, IReadOnlyList<Resource> resources)
    {
        var server = Add(new DeployedService(temporal.Name, "docker.io/temporalio/auto-setup:1.25", TemporalResource.DefaultPort)
        {
            HealthCommand = $"temporal operator cluster health --address {temporal.Name}:{TemporalResource.DefaultPort}",
        });
        if (resources.OfType<MySqlServerResource>().FirstOrDefault() is { } mysql)
        {
            server.Environment["DB"] = new DeployedValue("mysql8");
            server.Environment["DB_PORT"] = new DeployedValue($"{MySqlServerResource.DefaultPort}");
            server.Environment["MYSQL_SEEDS"] = new DeployedValue(mysql.Name);
            server.Environment["MYSQL_USER"] = new DeployedValue("root");
            server.Environment["MYSQL_PWD"] = new DeployedValue(Secret: MySqlPasswordSecret);
            server.DependsOn.Add(mysql.Name);
        }

        // No compose health check: nothing depends on the UI, and its image is not known to carry curl or wget.
        var ui = Add(new DeployedService($"{temporal.Name}-ui", "docker.io/temporalio/ui:2.34.0", 8080)
        {
            HealthPath = "/",
        });
        ui.Environment["TEMPORAL_ADDRESS"] = new DeployedValue($"{temporal.Name}:{TemporalResource.DefaultPort}");
        ui.DependsOn.Add(temporal.Name);
    }

    private void AddProject(ProjectResource project, IConfiguration configuration)
    {
        var service = Add(new DeployedService(project.Name, $"omniflow/{project.Name}:latest", ProjectPort)
        {
            HealthPath = project.HealthCheckPath,
            HealthExec = project.HealthCheckPath is null ? null : ProbeCommand(project),
            ProjectPath = project.Project.ProjectPath,
        });
        service.Environment["ASPNETCORE_ENVIRONMENT"] = new DeployedValue("Production");
        service.Environment["ASPNETCORE_URLS"] = new DeployedValue($"http://+:{ProjectPort}");
        service.Environment["OTEL_SERVICE_NAME"] = new DeployedValue(project.Name);
        foreach (var reference in project.References)
        {
            service.Environment[reference.EnvironmentVariable] = reference is TemporalResource
                ? new DeployedValue($"{reference.Name}:{TemporalResource.DefaultPort}")
                : new DeployedValue(Secret: ConnectionStringSecret(reference.Name));
        }

        foreach (var section in project.ForwardedSections)
        {
            foreach (var (key, value) in configuration.GetSection(section).AsEnumerable().Where(pair => pair.Value is not null))
            {
                var name = key.Replace(":", "__", StringComparison.Ordinal);
                if (SecretSettings.TryGetValue(key, out var secret))
                {
                    service.Environment[name] = new DeployedValue(Secret: secret);
                    continue;
                }

                Config[name] = value!;
                service.Environment[name] = new DeployedValue(Config: name);
            }
        }

        foreach (var (key, secret) in SecretSettings)
        {
            if (project.ForwardedSections.Contains(key.Split(':')[0]))
            {
                service.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = new DeployedValue(Secret: secret);
            }
        }

        foreach (var dependency in project.Dependencies)
        {
            var target = Aliases.GetValueOrDefault(dependency.Name, dependency.Name);
            if (!service.DependsOn.Contains(target))
            {
                service.DependsOn.Add(target);
            }
        }
    }
}
