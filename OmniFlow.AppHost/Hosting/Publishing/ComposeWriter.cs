namespace OmniFlow.AppHost.Hosting.Publishing;

/// <summary>
/// Writes <c>docker-compose.yaml</c>: every service with its wiring, health check and healthy dependencies. Project
/// images are built by the SDK (<c>dotnet publish -t:PublishContainer</c>), so no Dockerfile is needed.
/// </summary>
public static class ComposeWriter
{
    public static string Write(DeploymentModel model)
    {
        var services = new Dictionary<string, object>();
        foreach (var service in model.Services)
        {
            var definition = new Dictionary<string, object> { ["image"] = service.Image };
            if (service.Environment.Count > 0)
            {
                definition["environment"] = service.Environment.ToDictionary(pair => pair.Key, pair => Resolve(model, pair.Value));
            }

            definition["ports"] = new List<string> { $"127.0.0.1::{service.Port}" };
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

            if (service.DependsOn.Count > 0)
            {
                definition["depends_on"] = service.DependsOn.ToDictionary(
                    dependency => dependency, _ => (object)new Dictionary<string, string> { ["condition"] = "service_healthy" });
            }

            definition["restart"] = "unless-stopped";
            services[service.Name] = definition;
        }

        return Yaml.Serialize(new Dictionary<string, object> { ["name"] = "omniflow", ["services"] = services });
    }

    /// <summary>Exec form where the image may have no shell; null when the image has no tool to check itself with.</summary>
    private static List<string>? HealthTest(DeployedService service) =>
        service.HealthExec is { } exec ? ["CMD", .. exec]
        : service.HealthCommand is { } command ? ["CMD-SHELL", command]
        : null;

    /// <summary>Secrets come from the environment of <c>docker compose up</c> (or an .env file) and must be set.</summary>
    private static string Resolve(DeploymentModel model, DeployedValue value)
    {
        if (value.Config is not null)
        {
            return model.Config[value.Config];
        }

        if (value.Secret is null)
        {
            return value.Literal ?? string.Empty;
        }

        var template = model.Secrets[value.Secret];
        return template.Length == 0
            ? Required(value.Secret)
            : template.Replace(DeploymentModel.PasswordToken, Required(DeploymentModel.MySqlPasswordSecret), StringComparison.Ordinal);
    }

    private static string Required(string secret)
    {
        var variable = DeploymentModel.SecretEnvironmentName(secret);
        return $"${{{variable}:?set {variable}}}";
    }
}
