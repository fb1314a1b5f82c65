using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace OmniFlow.Tests.AppHost;

/// <summary>
/// The built OmniFlow.AppHost run as a deployer runs it, <c>--publisher manifest --output-path DIR/manifest.json</c>:
/// Aspire's manifest, and the docker-compose.yaml and k8s/ converted from it. Every file parses, every resource of the
/// manifest is deployed, every reference is resolved, and no secret of the AppHost's configuration is written.
/// </summary>
public sealed partial class PublishTests(PublishTests.Output output) : IClassFixture<PublishTests.Output>
{
    private const string LeakedKey = "must-not-leak";
    private const string LeakedWebhookSecret = "webhook-must-not-leak";
    private const string LeakedNotificationSecret = "notification-hook-must-not-leak";
    private const string LeakedSmtpPassword = "smtp-password-must-not-leak";
    private static readonly string[] Projects = ["api", "worker"];

    [Fact]
    public void Every_service_of_the_manifest_is_a_compose_service_and_a_kubernetes_deployment()
    {
        var services = output.ManifestServices();
        Assert.Equal(["api", "mysql", "redis", "temporal", "temporal-ui", "worker"], services.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(services.Keys.Order(StringComparer.Ordinal), output.ComposeServices().Children.Keys.Select(key => key.ToString()).Order(StringComparer.Ordinal));

        var byKind = output.KubernetesDocuments().ToLookup(document => document["kind"].ToString());
        Assert.Equal(services.Keys.Order(StringComparer.Ordinal), byKind["Deployment"].Select(Name).Order(StringComparer.Ordinal));
        foreach (var (name, resource) in services)
        {
            if (resource.TryGetProperty("bindings", out var bindings))
            {
                var service = byKind["Service"].Single(document => Name(document) == name);
                var ports = ((YamlSequenceNode)service["spec"]["ports"]).Select(port => port["name"].ToString());
                Assert.Equal(bindings.EnumerateObject().Select(binding => binding.Name).Order(), ports.Order());
            }
        }
    }

    [Fact]
    public void No_reference_is_left_unresolved_and_no_configured_secret_is_written()
    {
        Assert.NotEmpty(Reference().Matches(File.ReadAllText(output.Manifest)));
        foreach (var file in output.DeploymentFiles)
        {
            var text = File.ReadAllText(file);
            Assert.DoesNotMatch(Reference(), text);
        }

        foreach (var file in Directory.EnumerateFiles(output.Directory, "*", SearchOption.AllDirectories))
        {
            var text = File.ReadAllText(file);
            Assert.DoesNotContain(LeakedKey, text);
            Assert.DoesNotContain(LeakedWebhookSecret, text);
            Assert.DoesNotContain(LeakedNotificationSecret, text);
            Assert.DoesNotContain(LeakedSmtpPassword, text);
        }
    }

    [Fact]
    public void Aspire_manifest_asks_the_deployment_for_the_secrets()
    {
        var services = output.ManifestServices();
        foreach (var project in Projects)
        {
            var environment = services[project].GetProperty("env");
            Assert.Equal("{admin-api-key.value}", environment.GetProperty("Admin__ApiKey").GetString());
            Assert.Equal("{payments-webhook-secret.value}", environment.GetProperty("Payments__WebhookSecret").GetString());
            Assert.Equal("{notifications-webhook-0-secret.value}", environment.GetProperty("Notifications__Webhooks__0__Secret").GetString());
            Assert.Equal("{notifications-webhook-1-secret.value}", environment.GetProperty("Notifications__Webhooks__1__Secret").GetString());
            Assert.Equal("{notifications-smtp-password.value}", environment.GetProperty("Notifications__Email__Smtp__Password").GetString());
            Assert.Equal("https://hooks.example.com/omniflow", environment.GetProperty("Notifications__Webhooks__0__Url").GetString());
            Assert.Equal("shop", environment.GetProperty("Notifications__Email__Smtp__Username").GetString());
            Assert.Equal("00:10:00", environment.GetProperty("Orders__PaymentTimeout").GetString());
            Assert.Equal(8080, services[project].GetProperty("bindings").GetProperty("http").GetProperty("targetPort").GetInt32());
        }
    }

    [Fact]
    public void Compose_wires_services_by_name_with_secrets_from_the_environment()
    {
        var services = output.ComposeServices();
        foreach (var project in Projects)
        {
            var service = (YamlMappingNode)services[project];
            Assert.Equal($"omniflow/{project}:latest", service["image"].ToString());
            var environment = Mapping(service["environment"]);
            Assert.Equal("redis:6379,password=${REDIS_PASSWORD:?set REDIS_PASSWORD}", environment["ConnectionStrings__redis"]);
            Assert.Equal("Server=mysql;Port=3306;User ID=root;Password=${MYSQL_ROOT_PASSWORD:?set MYSQL_ROOT_PASSWORD};Database=omniflowdb",
                environment["ConnectionStrings__omniflowdb"]);
            Assert.Equal("temporal:7233", environment["ConnectionStrings__temporal"]);
            Assert.Equal("8080", environment["HTTP_PORTS"]);
            Assert.False(environment.ContainsKey("DOTNET_gcServer"), "a published service has cores of its own: the server GC");
            Assert.Equal("00:10:00", environment["Orders__PaymentTimeout"]);
            Assert.Equal("2", environment["Sales__PerUserLimit"]);
            Assert.Equal("${ADMIN_API_KEY:?set ADMIN_API_KEY}", environment["Admin__ApiKey"]);
            Assert.Equal("${PAYMENTS_WEBHOOK_SECRET:?set PAYMENTS_WEBHOOK_SECRET}", environment["Payments__WebhookSecret"]);
            Assert.Equal("${NOTIFICATIONS_WEBHOOK_0_SECRET:?set NOTIFICATIONS_WEBHOOK_0_SECRET}", environment["Notifications__Webhooks__0__Secret"]);
            Assert.Equal("${NOTIFICATIONS_SMTP_PASSWORD:?set NOTIFICATIONS_SMTP_PASSWORD}", environment["Notifications__Email__Smtp__Password"]);
        }

        Assert.Equal("${MYSQL_ROOT_PASSWORD:?set MYSQL_ROOT_PASSWORD}", Mapping(services["mysql"]["environment"])["MYSQL_ROOT_PASSWORD"]);
        Assert.Equal("omniflowdb", Mapping(services["mysql"]["environment"])["MYSQL_DATABASE"]);
        Assert.Equal("${MYSQL_ROOT_PASSWORD:?set MYSQL_ROOT_PASSWORD}", Mapping(services["temporal"]["environment"])["MYSQL_PWD"]);
        Assert.Equal("temporal:7233", Mapping(services["temporal-ui"]["environment"])["TEMPORAL_ADDRESS"]);
        // The shell of the redis container expands its variable; compose must not.
        Assert.Equal(["-c", "redis-server --requirepass $$REDIS_PASSWORD"], ((YamlSequenceNode)services["redis"]["command"]).Select(arg => arg.ToString()));
        Assert.Contains("mysql-data", ((YamlMappingNode)output.Compose()["volumes"]).Children.Keys.Select(key => key.ToString()));
    }

    [Fact]
    public void Compose_services_depend_only_on_healthy_services_that_exist()
    {
        var services = output.ComposeServices();
        var names = services.Children.Keys.Select(key => key.ToString()).ToHashSet();
        foreach (var (name, node) in services.Children)
        {
            if (((YamlMappingNode)node).Children.TryGetValue("depends_on", out var dependsOn))
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

        Assert.Equal(["mysql", "redis", "temporal", "worker"], DependsOn(services, "api"));
        Assert.Equal(["mysql", "redis", "temporal"], DependsOn(services, "worker"));
        Assert.Equal(["mysql"], DependsOn(services, "temporal"));
        Assert.Equal(["temporal"], DependsOn(services, "temporal-ui"));
    }

    [Fact]
    public void Compose_health_checks_need_no_curl_or_wget_and_projects_probe_themselves()
    {
        var services = output.ComposeServices();
        foreach (var (_, node) in services.Children)
        {
            if (((YamlMappingNode)node).Children.TryGetValue("healthcheck", out var healthcheck))
            {
                Assert.DoesNotMatch(@"\b(curl|wget)\b", HealthTest(healthcheck));
            }
        }

        foreach (var (project, assembly) in new[] { ("api", "OmniFlow.Api.dll"), ("worker", "OmniFlow.Worker.dll") })
        {
            var test = ((YamlSequenceNode)services[project]["healthcheck"]["test"]).Select(part => part.ToString());
            // Exec form: an SDK-built image need not have a shell.
            Assert.Equal(["CMD", "dotnet", $"/app/{assembly}", "--health-probe", "http://127.0.0.1:8080/health"], test);
        }

        Assert.Contains("redis-cli", HealthTest(services["redis"]["healthcheck"]));
        Assert.StartsWith("CMD mysqladmin ping", HealthTest(services["mysql"]["healthcheck"]));
        Assert.StartsWith("CMD temporal operator cluster health", HealthTest(services["temporal"]["healthcheck"]));
        Assert.False(((YamlMappingNode)services["temporal-ui"]).Children.ContainsKey("healthcheck"));
    }

    [Fact]
    public void Kubernetes_environment_comes_from_literals_the_config_map_or_the_secret()
    {
        var byKind = output.KubernetesDocuments().ToLookup(document => document["kind"].ToString());
        var deployments = byKind["Deployment"].ToList();
        foreach (var service in byKind["Service"])
        {
            var selector = Mapping(service["spec"]["selector"]);
            Assert.Contains(deployments, deployment => selector.All(label => Mapping(deployment["spec"]["template"]["metadata"]["labels"]).Contains(label)));
        }

        var configMap = Mapping(byKind["ConfigMap"].Single(map => Name(map) == "omniflow-config")["data"]);
        var secret = Mapping(byKind["Secret"].Single(map => Name(map) == "omniflow-secrets")["stringData"]);
        Assert.All(secret.Values, value => Assert.Contains("CHANGE_ME", value));
        var references = new Dictionary<string, string>();
        foreach (var deployment in deployments)
        {
            var container = (YamlMappingNode)((YamlSequenceNode)deployment["spec"]["template"]["spec"]["containers"])[0];
            foreach (var variable in ((YamlSequenceNode)container["env"]).Cast<YamlMappingNode>())
            {
                var name = $"{Name(deployment)}/{variable["name"]}";
                if (variable.Children.ContainsKey("value"))
                {
                    continue;
                }

                var (kind, reference) = ((YamlMappingNode)variable["valueFrom"]).Children.Single();
                var key = reference["key"].ToString();
                var store = kind.ToString() switch
                {
                    "secretKeyRef" => secret,
                    "configMapKeyRef" => configMap,
                    _ => throw new InvalidOperationException($"{name} comes from {kind}"),
                };
                Assert.Equal(kind.ToString() == "secretKeyRef" ? "omniflow-secrets" : "omniflow-config", reference["name"].ToString());
                Assert.True(store.ContainsKey(key), $"{name}: {kind} {key} does not exist");
                references[name] = $"{kind}:{key}";
            }
        }

        Assert.Equal("secretKeyRef:admin-api-key", references["api/Admin__ApiKey"]);
        Assert.Equal("secretKeyRef:payments-webhook-secret", references["api/Payments__WebhookSecret"]);
        Assert.Equal("secretKeyRef:notifications-webhook-1-secret", references["worker/Notifications__Webhooks__1__Secret"]);
        Assert.Equal("secretKeyRef:notifications-smtp-password", references["worker/Notifications__Email__Smtp__Password"]);
        Assert.Equal("secretKeyRef:mysql-root-password", references["mysql/MYSQL_ROOT_PASSWORD"]);
        Assert.Equal("secretKeyRef:ConnectionStrings__omniflowdb", references["api/ConnectionStrings__omniflowdb"]);
        Assert.Equal("Server=mysql;Port=3306;User ID=root;Password=CHANGE_ME;Database=omniflowdb", secret["ConnectionStrings__omniflowdb"]);
        Assert.Equal("redis:6379,password=CHANGE_ME", secret["ConnectionStrings__redis"]);
        Assert.Equal("configMapKeyRef:Orders__PaymentTimeout", references["worker/Orders__PaymentTimeout"]);
        Assert.Equal("00:10:00", configMap["Orders__PaymentTimeout"]);
        Assert.Equal("temporal:7233", configMap["ConnectionStrings__temporal"]);
    }

    [Fact]
    public void Kubernetes_probes_are_http_for_projects_and_tcp_for_the_rest_and_the_kustomization_is_complete()
    {
        var directory = Path.Combine(output.Directory, "k8s");
        var documents = output.KubernetesDocuments();
        foreach (var deployment in documents.Where(document => document["kind"].ToString() == "Deployment"))
        {
            var container = (YamlMappingNode)((YamlSequenceNode)deployment["spec"]["template"]["spec"]["containers"])[0];
            if (Projects.Contains(Name(deployment)))
            {
                Assert.Equal("/health", container["readinessProbe"]["httpGet"]["path"].ToString());
                Assert.Equal("/alive", container["livenessProbe"]["httpGet"]["path"].ToString());
                Assert.Equal("8080", container["readinessProbe"]["httpGet"]["port"].ToString());
            }
            else
            {
                Assert.True(((YamlMappingNode)container["readinessProbe"]).Children.ContainsKey("tcpSocket"), $"{Name(deployment)} has no TCP probe");
                Assert.True(((YamlMappingNode)container["livenessProbe"]).Children.ContainsKey("tcpSocket"), $"{Name(deployment)} has no TCP probe");
            }
        }

        var kustomization = documents.Single(document => document["kind"].ToString() == "Kustomization");
        var listed = ((YamlSequenceNode)kustomization["resources"]).Select(file => file.ToString()).Order(StringComparer.Ordinal);
        var files = Directory.EnumerateFiles(directory).Select(Path.GetFileName).Where(file => file != "kustomization.yaml").Order(StringComparer.Ordinal);
        Assert.Equal(files, listed);
    }

    private static List<string> DependsOn(YamlMappingNode services, string name) =>
        [.. ((YamlMappingNode)services[name]["depends_on"]).Children.Keys.Select(key => key.ToString()).Order(StringComparer.Ordinal)];

    private static string HealthTest(YamlNode healthcheck) => string.Join(' ', ((YamlSequenceNode)healthcheck["test"]).Select(part => part.ToString()));

    private static string Name(YamlNode document) => document["metadata"]["name"].ToString();

    private static Dictionary<string, string> Mapping(YamlNode node) =>
        ((YamlMappingNode)node).Children.ToDictionary(pair => pair.Key.ToString(), pair => pair.Value.ToString());

    /// <summary>An Aspire expression: <c>{redis.connectionString}</c>, <c>{api.bindings.http.targetPort}</c>, <c>{x.value}</c>.</summary>
    [GeneratedRegex(@"\{[A-Za-z0-9_-]+\.(connectionString|value|bindings|inputs)[^}]*\}")]
    private static partial Regex Reference();

    /// <summary>The AppHost published once for the class, with secrets in its configuration that must not be written.</summary>
    public sealed class Output : IDisposable
    {
        public Output()
        {
            Directory = System.IO.Directory.CreateTempSubdirectory("omniflow-publish-").FullName;
            Manifest = Path.Combine(Directory, "manifest.json");
            Publish(
                "--publisher", "manifest", "--output-path", Manifest,
                "--Orders:PaymentTimeout=00:10:00", "--Sales:PerUserLimit=2",
                $"--Admin:ApiKey={LeakedKey}", $"--Payments:WebhookSecret={LeakedWebhookSecret}",
                "--Notifications:Webhooks:0:Url=https://hooks.example.com/omniflow", $"--Notifications:Webhooks:0:Secret={LeakedNotificationSecret}",
                "--Notifications:Webhooks:1:Url=https://ops.example.com/omniflow", $"--Notifications:Webhooks:1:Secret={LeakedNotificationSecret}-1",
                "--Notifications:Email:Smtp:Host=smtp.example.com", "--Notifications:Email:Smtp:Username=shop",
                $"--Notifications:Email:Smtp:Password={LeakedSmtpPassword}", "--Notifications:Email:From=shop@example.com");
        }

        public string Directory { get; }

        public string Manifest { get; }

        public IEnumerable<string> DeploymentFiles =>
            [Path.Combine(Directory, "docker-compose.yaml"), .. System.IO.Directory.EnumerateFiles(Path.Combine(Directory, "k8s"))];

        public Dictionary<string, JsonElement> ManifestServices()
        {
            using var manifest = JsonDocument.Parse(File.ReadAllText(Manifest));
            return manifest.RootElement.GetProperty("resources").EnumerateObject()
                .Where(resource => resource.Value.GetProperty("type").GetString() is "container.v0" or "project.v0")
                .ToDictionary(resource => resource.Name, resource => resource.Value.Clone());
        }

        public YamlMappingNode Compose() => (YamlMappingNode)Load(Path.Combine(Directory, "docker-compose.yaml")).Single();

        public YamlMappingNode ComposeServices() => (YamlMappingNode)Compose()["services"];

        public List<YamlNode> KubernetesDocuments() =>
            [.. System.IO.Directory.EnumerateFiles(Path.Combine(Directory, "k8s"), "*.yaml").SelectMany(Load)];

        public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);

        private static List<YamlNode> Load(string path)
        {
            var stream = new YamlStream();
            using var reader = new StreamReader(path);
            stream.Load(reader);
            return [.. stream.Documents.Select(document => document.RootNode)];
        }

        /// <summary>The AppHost built beside this assembly (same configuration), run with its own dependencies.</summary>
        private static void Publish(params string[] args)
        {
            var tests = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var solution = tests;
            while (solution is not null && !File.Exists(Path.Combine(solution.FullName, "OmniFlow.sln")))
            {
                solution = solution.Parent;
            }

            Assert.NotNull(solution);
            var relative = Path.GetRelativePath(Path.Combine(solution.FullName, "OmniFlow.Tests"), tests.FullName);
            var appHost = Path.Combine(solution.FullName, "OmniFlow.AppHost", relative, "OmniFlow.AppHost.dll");
            var start = new ProcessStartInfo("dotnet", [appHost, .. args])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = Path.GetDirectoryName(appHost)!,
            };
            start.Environment["DOTNET_ENVIRONMENT"] = "Production";
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail("The AppHost did not finish publishing within 2 minutes.");
            }

            Assert.True(process.ExitCode == 0, $"The AppHost exited with {process.ExitCode}:\n{stdout.Result}\n{stderr.Result}");
        }
    }
}
