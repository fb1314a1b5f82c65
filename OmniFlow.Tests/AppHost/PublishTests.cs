using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace OmniFlow.Tests.AppHost;

/// <summary><c>publish --output DIR</c> from the real Program.cs: every file parses and every reference resolves.</summary>
public sealed partial class PublishTests : IDisposable
{
    private readonly string output = Directory.CreateTempSubdirectory("omniflow-publish-").FullName;

    public PublishTests() =>
        AppHostEntryPoint.Run("publish", "--output", output, "--Orders:PaymentTimeout=00:10:00", "--Sales:PerUserLimit=2",
            "--Admin:ApiKey=must-not-leak", "--AppHost:ConsoleOutput=false");

    public void Dispose() => Directory.Delete(output, recursive: true);

    [Fact]
    public void Compose_services_depend_only_on_healthy_services_that_exist()
    {
        var services = (YamlMappingNode)LoadYaml(Path.Combine(output, "docker-compose.yaml"))[0]["services"];
        var names = services.Children.Keys.Select(key => key.ToString()).ToHashSet();
        Assert.Superset(names.ToHashSet(), new HashSet<string> { "redis", "mysql", "temporal", "temporal-ui", "worker", "api" });
        foreach (var (name, node) in services.Children)
        {
            var service = (YamlMappingNode)node;
            Assert.True(service.Children.ContainsKey("image"), $"{name} has no image");
            if (service.Children.TryGetValue("depends_on", out var dependsOn))
            {
                foreach (var (dependency, condition) in ((YamlMappingNode)dependsOn).Children)
                {
                    Assert.Contains(dependency.ToString(), names);
                    Assert.Equal("service_healthy", condition["condition"].ToString());
                    Assert.True(((YamlMappingNode)services[dependency]).Children.ContainsKey("healthcheck"),
                        $"{name} waits for {dependency} to be healthy, which has no healthcheck");
                }
            }
        }

        var api = (YamlMappingNode)services["api"];
        Assert.Equal(["mysql", "redis", "temporal", "worker"], ((YamlMappingNode)api["depends_on"]).Children.Keys.Select(key => key.ToString()).Order());
        var environment = ((YamlMappingNode)api["environment"]).Children.ToDictionary(pair => pair.Key.ToString(), pair => pair.Value.ToString());
        Assert.Equal("redis:6379", environment["ConnectionStrings__redis"]);
        Assert.StartsWith("Server=mysql;Port=3306;", environment["ConnectionStrings__omniflowdb"]);
        Assert.EndsWith(";Database=omniflowdb", environment["ConnectionStrings__omniflowdb"]);
        Assert.Equal("temporal:7233", environment["Temporal__Address"]);
        Assert.Equal("00:10:00", environment["Orders__PaymentTimeout"]);
        Assert.Equal("2", environment["Sales__PerUserLimit"]);
        Assert.Equal("${ADMIN_API_KEY:?set ADMIN_API_KEY}", environment["Admin__ApiKey"]);
        Assert.DoesNotContain("must-not-leak", File.ReadAllText(Path.Combine(output, "docker-compose.yaml")));
    }

    [Fact]
    public void Compose_health_checks_need_no_curl_or_wget_and_projects_probe_themselves()
    {
        var services = (YamlMappingNode)LoadYaml(Path.Combine(output, "docker-compose.yaml"))[0]["services"];
        foreach (var (name, node) in services.Children)
        {
            if (((YamlMappingNode)node).Children.TryGetValue("healthcheck", out var healthcheck))
            {
                var test = string.Join(' ', ((YamlSequenceNode)healthcheck["test"]).Select(part => part.ToString()));
                Assert.DoesNotMatch(@"\b(curl|wget)\b", test);
            }
        }

        foreach (var (project, assembly) in new[] { ("api", "OmniFlow.Api.dll"), ("worker", "OmniFlow.Worker.dll") })
        {
            var test = ((YamlSequenceNode)services[project]["healthcheck"]["test"]).Select(part => part.ToString()).ToList();
            // Exec form: an SDK-built image need not have a shell.
            Assert.Equal(["CMD", "dotnet", $"/app/{assembly}", "--health-probe", "http://127.0.0.1:8080/health"], test);
        }

        Assert.False(((YamlMappingNode)services["temporal-ui"]).Children.ContainsKey("healthcheck"));
    }

    [Fact]
    public void Kubernetes_selectors_and_config_references_resolve()
    {
        var directory = Path.Combine(output, "k8s");
        var documents = Directory.EnumerateFiles(directory, "*.yaml").SelectMany(LoadYaml).ToList();
        var byKind = documents.ToLookup(document => document["kind"].ToString());

        var deployments = byKind["Deployment"].ToList();
        Assert.Equal(6, deployments.Count);
        foreach (var service in byKind["Service"])
        {
            var selector = Labels(service["spec"]["selector"]);
            Assert.Contains(deployments, deployment =>
                selector.All(label => Labels(deployment["spec"]["template"]["metadata"]["labels"]).Contains(label)));
        }

        var configMaps = byKind["ConfigMap"].ToDictionary(map => map["metadata"]["name"].ToString(), map => Labels(map["data"]));
        var secrets = byKind["Secret"].ToDictionary(secret => secret["metadata"]["name"].ToString(), secret => Labels(secret["stringData"]));
        var references = 0;
        foreach (var deployment in deployments)
        {
            var container = (YamlMappingNode)((YamlSequenceNode)deployment["spec"]["template"]["spec"]["containers"])[0];
            Assert.True(container.Children.ContainsKey("readinessProbe"));
            if (container["name"].ToString() is "api" or "worker")
            {
                Assert.Equal("/health", container["readinessProbe"]["httpGet"]["path"].ToString());
            }

            foreach (var variable in ((YamlSequenceNode)container["env"]).Cast<YamlMappingNode>())
            {
                if (!variable.Children.TryGetValue("valueFrom", out var from))
                {
                    continue;
                }

                var (kind, reference) = ((YamlMappingNode)from).Children.Single();
                var name = reference["name"].ToString();
                var key = reference["key"].ToString();
                var store = kind.ToString() == "secretKeyRef" ? secrets : configMaps;
                Assert.True(store.TryGetValue(name, out var keys) && keys.ContainsKey(key), $"{kind} {name}/{key} does not exist");
                references++;
            }
        }

        Assert.True(references >= 8, $"expected the projects to take their wiring from the ConfigMap and Secret, found {references} references");
        Assert.Equal("00:10:00", configMaps["omniflow-config"]["Orders__PaymentTimeout"]);
        Assert.DoesNotContain("must-not-leak", string.Concat(Directory.EnumerateFiles(directory).Select(File.ReadAllText)));

        var kustomization = byKind["Kustomization"].Single();
        foreach (var file in (YamlSequenceNode)kustomization["resources"])
        {
            Assert.True(File.Exists(Path.Combine(directory, file.ToString())), $"kustomization lists missing {file}");
        }
    }

    [Fact]
    public void Aspire_manifest_references_name_existing_resources()
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "manifest.json")));
        Assert.Equal("https://json.schemastore.org/aspire-8.0.json", manifest.RootElement.GetProperty("$schema").GetString());
        var resources = manifest.RootElement.GetProperty("resources");
        var names = resources.EnumerateObject().Select(resource => resource.Name).ToHashSet();
        Assert.Equal("project.v0", resources.GetProperty("api").GetProperty("type").GetString());
        Assert.Equal("project.v0", resources.GetProperty("worker").GetProperty("type").GetString());
        Assert.Equal("container.v0", resources.GetProperty("redis").GetProperty("type").GetString());
        Assert.Equal("container.v0", resources.GetProperty("mysql").GetProperty("type").GetString());
        Assert.Equal("value.v0", resources.GetProperty("omniflowdb").GetProperty("type").GetString());
        Assert.True(File.Exists(Path.GetFullPath(Path.Combine(output, resources.GetProperty("api").GetProperty("path").GetString()!))));

        var expressions = ReferencePattern().Matches(manifest.RootElement.GetRawText()).Select(match => match.Groups["resource"].Value).ToList();
        Assert.NotEmpty(expressions);
        Assert.All(expressions, resource => Assert.Contains(resource, names));

        var apiEnvironment = resources.GetProperty("api").GetProperty("env");
        Assert.Equal("{redis.connectionString}", apiEnvironment.GetProperty("ConnectionStrings__redis").GetString());
        Assert.Equal("{omniflowdb.connectionString}", apiEnvironment.GetProperty("ConnectionStrings__omniflowdb").GetString());
        Assert.Equal("{temporal.connectionString}", apiEnvironment.GetProperty("Temporal__Address").GetString());
        Assert.Equal("{admin-api-key.value}", apiEnvironment.GetProperty("Admin__ApiKey").GetString());
    }

    private static List<YamlNode> LoadYaml(string path)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(path);
        stream.Load(reader);
        return [.. stream.Documents.Select(document => document.RootNode)];
    }

    private static Dictionary<string, string> Labels(YamlNode node) =>
        ((YamlMappingNode)node).Children.ToDictionary(pair => pair.Key.ToString(), pair => pair.Value.ToString());

    [GeneratedRegex(@"\{(?<resource>[a-z0-9-]+)\.(connectionString|value|bindings|inputs)[^}]*\}")]
    private static partial Regex ReferencePattern();
}
