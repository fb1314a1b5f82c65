using System.Globalization;

namespace OmniFlow.AppHost.Publishing;

/// <summary>
/// <c>docker-compose.yaml</c> from the manifest: a service per container and project, wired by service name, secrets
/// from the environment of <c>docker compose up</c>, health checks with what each image has (no curl or wget).
/// </summary>
public static class ComposeFileWriter
{
    /// <summary>What a project's image runs to check itself (OmniFlow.ServiceDefaults' health probe mode).</summary>
    public const string HealthProbeArgument = "--health-probe";

    public static string Write(AspireManifest manifest, IReadOnlyDictionary<string, IReadOnlyList<string>>? waits = null)
    {
        var services = new Dictionary<string, object>();
        var volumes = new Dictionary<string, object?>();
        var healthy = manifest.Services.Where(service => HealthTest(service) is not null).Select(service => service.Name).ToHashSet();
        foreach (var service in manifest.Services)
        {
            var definition = new Dictionary<string, object> { ["image"] = service.DeployedImage };
            if (service.Entrypoint is { } entrypoint)
            {
                definition["entrypoint"] = new List<string> { Escape(entrypoint) };
            }

            if (service.Args.Count > 0)
            {
                definition["command"] = service.Args.Select(arg => Render(manifest.Resolve(arg))).ToList();
            }

            if (service.Env.Count > 0)
            {
                definition["environment"] = service.Env.ToDictionary(pair => pair.Key, pair => Render(manifest.Resolve(pair.Value)));
            }

            if (service.Bindings.Count > 0)
            {
                definition["ports"] = service.Bindings.Values.Select(binding => $"127.0.0.1::{binding.TargetPort}").ToList();
            }

            if (service.Volumes.Count > 0)
            {
                definition["volumes"] = service.Volumes.Select(volume => $"{volume.Source}:{volume.Target}{(volume.ReadOnly ? ":ro" : "")}").ToList();
                foreach (var volume in service.Volumes.Where(volume => volume.Source is { } source && !source.Contains('/', StringComparison.Ordinal)))
                {
                    volumes[volume.Source!] = null;
                }
            }

            if (HealthTest(service) is { } test)
            {
                definition["healthcheck"] = new Dictionary<string, object>
                {
                    ["test"] = test,
                    ["interval"] = "5s",
                    ["timeout"] = "3s",
                    ["retries"] = 20,
                    ["start_period"] = "10s",
                };
            }

            var dependencies = Dependencies(manifest, service, waits);
            if (dependencies.Count > 0)
            {
                definition["depends_on"] = dependencies.ToDictionary(
                    dependency => dependency,
                    dependency => (object)new Dictionary<string, string> { ["condition"] = healthy.Contains(dependency) ? "service_healthy" : "service_started" });
            }

            definition["restart"] = "unless-stopped";
            services[service.Name] = definition;
        }

        var file = new Dictionary<string, object> { ["name"] = "omniflow", ["services"] = services };
        if (volumes.Count > 0)
        {
            file["volumes"] = volumes;
        }

        return Header(manifest) + Yaml.Serialize(file);
    }

    /// <summary>The services this one refers to (its environment and arguments) or waits for in the AppHost.</summary>
    private static List<string> Dependencies(AspireManifest manifest, ManifestResource service, IReadOnlyDictionary<string, IReadOnlyList<string>>? waits) =>
    [
        .. service.Env.Values.Concat(service.Args).SelectMany(manifest.ServicesReferencedBy)
            .Concat((waits?.GetValueOrDefault(service.Name) ?? []).SelectMany(manifest.ServicesOf))
            .Where(name => name != service.Name)
            .Distinct()
            .Order(StringComparer.Ordinal),
    ];

    /// <summary>Exec form where the image may have no shell; null when the image has nothing to check itself with.</summary>
    public static List<string>? HealthTest(ManifestResource service)
    {
        if (service.IsProject)
        {
            var port = service.Bindings.Values.FirstOrDefault(binding => binding.Scheme == "http")?.TargetPort ?? 8080;
            return ["CMD", "dotnet", $"/app/{service.AssemblyName}", HealthProbeArgument, $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/health"];
        }

        var image = ImageName(service.DeployedImage);
        var address = service.Bindings.Values.FirstOrDefault() is { } first ? $"{service.Name}:{first.TargetPort.ToString(CultureInfo.InvariantCulture)}" : service.Name;
        return image switch
        {
            "redis" when service.Env.ContainsKey("REDIS_PASSWORD") =>
                ["CMD-SHELL", "redis-cli -a \"$$REDIS_PASSWORD\" --no-auth-warning ping | grep -q PONG"],
            "redis" or "valkey" => ["CMD", "redis-cli", "ping"],
            // Alive (even when access is denied) once the server, not the init-time one without networking, listens.
            "mysql" or "mariadb" => ["CMD", "mysqladmin", "ping", "-h", "127.0.0.1", "--silent"],
            // The frontend binds to the container's address, not loopback: ask it by its service name.
            "auto-setup" or "server" when service.DeployedImage.Contains("temporalio/", StringComparison.Ordinal) =>
                ["CMD", "temporal", "operator", "cluster", "health", "--address", address],
            _ => null,
        };
    }

    /// <summary><c>redis</c> for <c>docker.io/library/redis:8.6</c>.</summary>
    private static string ImageName(string image) => image.Split('/')[^1].Split(['@', ':'])[0];

    /// <summary>Literal text keeps its <c>$</c> (compose would interpolate it); parameters come from the environment and must be set.</summary>
    private static string Render(DeployedValue value) => value.Render(Escape, parameter => $"${{{parameter.EnvironmentName}:?set {parameter.EnvironmentName}}}");

    private static string Escape(string literal) => literal.Replace("$", "$$", StringComparison.Ordinal);

    private static string Header(AspireManifest manifest)
    {
        var lines = new List<string>
        {
            "# Generated from the Aspire manifest by OmniFlow.AppHost (Publishing/ComposeFileWriter.cs): do not edit.",
            "# Project images are built by the .NET SDK, no Dockerfile:",
        };
        lines.AddRange(manifest.Services.Where(service => service.IsProject).Select(service =>
            $"#   dotnet publish {string.Join('/', service.ProjectPath!.Replace('\\', '/').Split('/')[^2..])} -t:PublishContainer -p:ContainerRepository=omniflow/{service.Name}"));
        var parameters = manifest.Resources.Values.Where(resource => resource.Type == "parameter.v0")
            .Select(resource => new ParameterPart(resource.Name, resource.Secret).EnvironmentName);
        lines.Add($"# Set before docker compose up (or in .env): {string.Join(", ", parameters)}.");
        return string.Join('\n', lines) + "\n";
    }
}
