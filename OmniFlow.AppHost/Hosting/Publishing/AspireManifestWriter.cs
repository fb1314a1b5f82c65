using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using OmniFlow.AppHost.Hosting.Resources;

namespace OmniFlow.AppHost.Hosting.Publishing;

/// <summary>
/// Writes an Aspire-style <c>manifest.json</c>: container.v0, project.v0, value.v0 and parameter.v0 resources whose
/// values refer to each other with <c>{resource.connectionString}</c>-style expressions, as deployment tools expect.
/// </summary>
public static class AspireManifestWriter
{
    public const string Schema = "https://json.schemastore.org/aspire-8.0.json";

    private static readonly Dictionary<string, string> SecretParameters = new()
    {
        ["Admin:ApiKey"] = "admin-api-key",
        ["Payments:WebhookSecret"] = "payments-webhook-secret",
    };

    public static string Write(IReadOnlyList<Resource> resources, IConfiguration configuration, string outputDirectory)
    {
        var manifest = new JsonObject();
        var ordered = DistributedApplication.DependencyOrder(resources);
        foreach (var resource in ordered)
        {
            switch (resource)
            {
                case RedisResource redis:
                    manifest[redis.Name] = Container("docker.io/library/redis:7.4", RedisResource.DefaultPort,
                        $"{{{redis.Name}.bindings.tcp.host}}:{{{redis.Name}.bindings.tcp.port}}", []);
                    break;
                case MySqlServerResource mysql:
                    var password = $"{mysql.Name}-password";
                    manifest[password] = Parameter(password, generate: true);
                    manifest[mysql.Name] = Container("docker.io/library/mysql:8.4", MySqlServerResource.DefaultPort,
                        $"Server={{{mysql.Name}.bindings.tcp.host}};Port={{{mysql.Name}.bindings.tcp.port}};User ID=root;Password={{{password}.value}}",
                        new() { ["MYSQL_ROOT_PASSWORD"] = $"{{{password}.value}}" });
                    break;
                case MySqlDatabaseResource database:
                    manifest[database.Name] = new JsonObject
                    {
                        ["type"] = "value.v0",
                        ["connectionString"] = $"{{{database.Server.Name}.connectionString}};Database={database.Name}",
                    };
                    break;
                case TemporalResource temporal:
                    var store = ordered.OfType<MySqlServerResource>().FirstOrDefault();
                    manifest[temporal.Name] = Container("docker.io/temporalio/auto-setup:1.25", TemporalResource.DefaultPort,
                        $"{{{temporal.Name}.bindings.tcp.host}}:{{{temporal.Name}.bindings.tcp.port}}", store is null
                            ? new() { ["DB"] = "sqlite" }
                            : new()
                            {
                                ["DB"] = "mysql8",
                                ["MYSQL_SEEDS"] = $"{{{store.Name}.bindings.tcp.host}}",
                                ["DB_PORT"] = $"{{{store.Name}.bindings.tcp.port}}",
                                ["MYSQL_USER"] = "root",
                                ["MYSQL_PWD"] = $"{{{store.Name}-password.value}}",
                            });
                    break;
                case ProjectResource project:
                    manifest[project.Name] = Project(project, configuration, manifest, outputDirectory);
                    break;
            }
        }

        var document = new JsonObject { ["$schema"] = Schema, ["resources"] = manifest };
        return document.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static JsonObject Container(string image, int port, string connectionString, Dictionary<string, string> environment) => new()
    {
        ["type"] = "container.v0",
        ["connectionString"] = connectionString,
        ["image"] = image,
        ["env"] = new JsonObject([.. environment.Select(pair => KeyValuePair.Create(pair.Key, (JsonNode?)pair.Value))]),
        ["bindings"] = new JsonObject
        {
            ["tcp"] = new JsonObject { ["scheme"] = "tcp", ["protocol"] = "tcp", ["transport"] = "tcp", ["targetPort"] = port },
        },
    };

    private static JsonObject Parameter(string name, bool generate)
    {
        var input = new JsonObject { ["type"] = "string", ["secret"] = true };
        if (generate)
        {
            input["default"] = new JsonObject { ["generate"] = new JsonObject { ["minLength"] = 22 } };
        }

        return new JsonObject
        {
            ["type"] = "parameter.v0",
            ["value"] = $"{{{name}.inputs.value}}",
            ["inputs"] = new JsonObject { ["value"] = input },
        };
    }

    private static JsonObject Project(ProjectResource project, IConfiguration configuration, JsonObject manifest, string outputDirectory)
    {
        var environment = new JsonObject
        {
            ["OTEL_DOTNET_EXPERIMENTAL_OTLP_EMIT_EXCEPTION_LOG_ATTRIBUTES"] = "true",
            ["OTEL_SERVICE_NAME"] = project.Name,
            ["ASPNETCORE_FORWARDEDHEADERS_ENABLED"] = "true",
            ["HTTP_PORTS"] = $"{{{project.Name}.bindings.http.targetPort}}",
        };
        foreach (var reference in project.References)
        {
            environment[reference.EnvironmentVariable] = $"{{{reference.Name}.connectionString}}";
        }

        foreach (var section in project.ForwardedSections)
        {
            foreach (var (key, value) in configuration.GetSection(section).AsEnumerable().Where(pair => pair.Value is not null))
            {
                if (!SecretParameters.ContainsKey(key))
                {
                    environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
                }
            }
        }

        foreach (var (key, parameter) in SecretParameters.Where(pair => project.ForwardedSections.Contains(pair.Key.Split(':')[0])))
        {
            manifest[parameter] ??= Parameter(parameter, generate: false);
            environment[key.Replace(":", "__", StringComparison.Ordinal)] = $"{{{parameter}.value}}";
        }

        return new JsonObject
        {
            ["type"] = "project.v0",
            ["path"] = Path.GetRelativePath(outputDirectory, project.Project.ProjectPath),
            ["env"] = environment,
            ["bindings"] = new JsonObject
            {
                ["http"] = new JsonObject { ["scheme"] = "http", ["protocol"] = "tcp", ["transport"] = "http" },
            },
        };
    }
}
