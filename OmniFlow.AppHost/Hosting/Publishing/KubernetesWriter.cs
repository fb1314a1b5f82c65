namespace OmniFlow.AppHost.Hosting.Publishing;

/// <summary>
/// Writes Kubernetes manifests: a Deployment and a Service per container, the ConfigMap of forwarded configuration,
/// the Secret (with CHANGE_ME placeholders) that Deployments reference, and a kustomization listing them all.
/// </summary>
public static class KubernetesWriter
{
    private const string Placeholder = "CHANGE_ME";

    public static IReadOnlyDictionary<string, string> Write(DeploymentModel model)
    {
        var files = new Dictionary<string, string>
        {
            ["configmap.yaml"] = Yaml.Serialize(ConfigMap(model)),
            ["secret.yaml"] = Yaml.Serialize(Secret(model)),
        };
        foreach (var service in model.Services)
        {
            files[$"{service.Name}.yaml"] = Yaml.SerializeAll([Deployment(service), Service(service)]);
        }

        files["kustomization.yaml"] = Yaml.Serialize(new Dictionary<string, object>
        {
            ["apiVersion"] = "kustomize.config.k8s.io/v1beta1",
            ["kind"] = "Kustomization",
            ["resources"] = files.Keys.Order(StringComparer.Ordinal).ToList(),
        });
        return files;
    }

    private static Dictionary<string, object> Labels(string name) => new() { ["app.kubernetes.io/name"] = name, ["app.kubernetes.io/part-of"] = "omniflow" };

    private static Dictionary<string, object> Metadata(string name) => new() { ["name"] = name, ["labels"] = Labels(name) };

    private static object ConfigMap(DeploymentModel model) => new Dictionary<string, object>
    {
        ["apiVersion"] = "v1",
        ["kind"] = "ConfigMap",
        ["metadata"] = Metadata(DeploymentModel.ConfigName),
        ["data"] = new Dictionary<string, string>(model.Config),
    };

    private static object Secret(DeploymentModel model) => new Dictionary<string, object>
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Secret",
        ["metadata"] = Metadata(DeploymentModel.SecretName),
        ["type"] = "Opaque",
        ["stringData"] = model.Secrets.ToDictionary(
            pair => pair.Key,
            pair => pair.Value.Length == 0 ? Placeholder : pair.Value.Replace(DeploymentModel.PasswordToken, Placeholder, StringComparison.Ordinal)),
    };

    private static object Deployment(DeployedService service)
    {
        var container = new Dictionary<string, object>
        {
            ["name"] = service.Name,
            ["image"] = service.Image,
            ["ports"] = new List<object> { new Dictionary<string, object> { ["name"] = "main", ["containerPort"] = service.Port } },
            ["env"] = service.Environment.Select(pair => Variable(pair.Key, pair.Value)).ToList(),
            ["readinessProbe"] = Probe(service),
            ["livenessProbe"] = Probe(service),
        };
        return new Dictionary<string, object>
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "Deployment",
            ["metadata"] = Metadata(service.Name),
            ["spec"] = new Dictionary<string, object>
            {
                ["replicas"] = 1,
                ["selector"] = new Dictionary<string, object> { ["matchLabels"] = Labels(service.Name) },
                ["template"] = new Dictionary<string, object>
                {
                    ["metadata"] = new Dictionary<string, object> { ["labels"] = Labels(service.Name) },
                    ["spec"] = new Dictionary<string, object> { ["containers"] = new List<object> { container } },
                },
            },
        };
    }

    private static object Service(DeployedService service) => new Dictionary<string, object>
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Service",
        ["metadata"] = Metadata(service.Name),
        ["spec"] = new Dictionary<string, object>
        {
            ["selector"] = Labels(service.Name),
            ["ports"] = new List<object>
            {
                new Dictionary<string, object> { ["name"] = "main", ["port"] = service.Port, ["targetPort"] = service.Port },
            },
        },
    };

    private static Dictionary<string, object> Probe(DeployedService service) => service.HealthPath is not null
        ? new() { ["httpGet"] = new Dictionary<string, object> { ["path"] = service.HealthPath, ["port"] = service.Port }, ["periodSeconds"] = 5 }
        : new() { ["tcpSocket"] = new Dictionary<string, object> { ["port"] = service.Port }, ["periodSeconds"] = 5 };

    private static Dictionary<string, object> Variable(string name, DeployedValue value) => value switch
    {
        { Secret: { } secret } => new()
        {
            ["name"] = name,
            ["valueFrom"] = new Dictionary<string, object>
            {
                ["secretKeyRef"] = new Dictionary<string, object> { ["name"] = DeploymentModel.SecretName, ["key"] = secret },
            },
        },
        { Config: { } key } => new()
        {
            ["name"] = name,
            ["valueFrom"] = new Dictionary<string, object>
            {
                ["configMapKeyRef"] = new Dictionary<string, object> { ["name"] = DeploymentModel.ConfigName, ["key"] = key },
            },
        },
        _ => new() { ["name"] = name, ["value"] = value.Literal ?? string.Empty },
    };
}
