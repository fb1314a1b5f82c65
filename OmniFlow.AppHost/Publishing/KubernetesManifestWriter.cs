namespace OmniFlow.AppHost.Publishing;

/// <summary>
/// Kubernetes manifests from the Aspire manifest: a Deployment and a Service per container and project, the ConfigMap
/// of plain settings, the Secret (<c>CHANGE_ME</c> placeholders) of parameters and values that embed them, and a
/// kustomization listing every file. Returns file name to content.
/// </summary>
public static class KubernetesManifestWriter
{
    public const string ConfigName = "omniflow-config";
    public const string SecretName = "omniflow-secrets";
    public const string Placeholder = "CHANGE_ME";

    public static IReadOnlyDictionary<string, string> Write(AspireManifest manifest)
    {
        var config = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var secrets = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var files = new Dictionary<string, string>();
        foreach (var service in manifest.Services)
        {
            var environment = service.Env.Select(pair => Variable(service, pair.Key, manifest.Resolve(pair.Value), config, secrets)).ToList();
            var documents = new List<object> { Deployment(manifest, service, environment) };
            if (service.Bindings.Count > 0)
            {
                documents.Add(Service(service));
            }

            documents.AddRange(service.Volumes.Where(volume => volume.Source is not null).Select(volume => Claim(service, volume)));
            files[$"{service.Name}.yaml"] = Yaml.SerializeAll(documents);
        }

        foreach (var parameter in manifest.Resources.Values.Where(resource => resource.Type == "parameter.v0"))
        {
            (parameter.Secret ? secrets : config).TryAdd(parameter.Name, Placeholder);
        }

        files["configmap.yaml"] = Yaml.Serialize(new Dictionary<string, object>
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ConfigMap",
            ["metadata"] = Metadata(ConfigName),
            ["data"] = config,
        });
        files["secret.yaml"] = Yaml.Serialize(new Dictionary<string, object>
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Secret",
            ["metadata"] = Metadata(SecretName),
            ["type"] = "Opaque",
            ["stringData"] = secrets,
        });
        files["kustomization.yaml"] = Yaml.Serialize(new Dictionary<string, object>
        {
            ["apiVersion"] = "kustomize.config.k8s.io/v1beta1",
            ["kind"] = "Kustomization",
            ["resources"] = files.Keys.Order(StringComparer.Ordinal).ToList(),
        });
        return files;
    }

    /// <summary>
    /// A parameter is read from the Secret (or ConfigMap) under its own name; a value embedding secrets (a connection
    /// string) is a Secret entry of its own, with the placeholder in place of each secret; the rest is in the ConfigMap.
    /// </summary>
    private static Dictionary<string, object> Variable(
        ManifestResource service, string name, DeployedValue value, IDictionary<string, string> config, IDictionary<string, string> secrets)
    {
        if (value.OnlyParameter is { } parameter)
        {
            return Reference(name, parameter.Secret ? "secretKeyRef" : "configMapKeyRef", parameter.Secret ? SecretName : ConfigName, parameter.Name);
        }

        var rendered = value.Render(text => text, _ => Placeholder);
        return value.HasParameter
            ? Reference(name, "secretKeyRef", SecretName, Key(secrets, service, name, rendered))
            : Reference(name, "configMapKeyRef", ConfigName, Key(config, service, name, rendered));
    }

    /// <summary>The variable's name, unless another service has it with a different value: then <c>service.NAME</c>.</summary>
    private static string Key(IDictionary<string, string> store, ManifestResource service, string name, string value)
    {
        var key = store.TryGetValue(name, out var existing) && existing != value ? $"{service.Name}.{name}" : name;
        store[key] = value;
        return key;
    }

    private static Dictionary<string, object> Reference(string name, string kind, string store, string key) => new()
    {
        ["name"] = name,
        ["valueFrom"] = new Dictionary<string, object>
        {
            [kind] = new Dictionary<string, object> { ["name"] = store, ["key"] = key },
        },
    };

    private static Dictionary<string, object> Labels(string name) => new() { ["app.kubernetes.io/name"] = name, ["app.kubernetes.io/part-of"] = "omniflow" };

    private static Dictionary<string, object> Metadata(string name) => new() { ["name"] = name, ["labels"] = Labels(name) };

    private static object Deployment(AspireManifest manifest, ManifestResource service, List<Dictionary<string, object>> environment)
    {
        var container = new Dictionary<string, object> { ["name"] = service.Name, ["image"] = service.DeployedImage };
        if (service.Entrypoint is { } entrypoint)
        {
            container["command"] = new List<string> { entrypoint };
        }

        if (service.Args.Count > 0)
        {
            container["args"] = service.Args.Select(arg => Literal(manifest.Resolve(arg), $"{service.Name}'s arguments")).ToList();
        }

        if (service.Bindings.Count > 0)
        {
            container["ports"] = service.Bindings.Values
                .Select(binding => new Dictionary<string, object> { ["name"] = binding.Name, ["containerPort"] = binding.TargetPort })
                .ToList();
        }

        if (environment.Count > 0)
        {
            container["env"] = environment;
        }

        if (Probe(service, "/health") is { } readiness)
        {
            container["readinessProbe"] = readiness;
            container["livenessProbe"] = Probe(service, "/alive")!;
        }

        var pod = new Dictionary<string, object> { ["containers"] = new List<object> { container } };
        var claims = service.Volumes.Where(volume => volume.Source is not null).ToList();
        if (claims.Count > 0)
        {
            container["volumeMounts"] = claims.Select(volume => new Dictionary<string, object>
            {
                ["name"] = ClaimName(volume), ["mountPath"] = volume.Target, ["readOnly"] = volume.ReadOnly,
            }).ToList();
            pod["volumes"] = claims.Select(volume => new Dictionary<string, object>
            {
                ["name"] = ClaimName(volume),
                ["persistentVolumeClaim"] = new Dictionary<string, object> { ["claimName"] = ClaimName(volume) },
            }).ToList();
        }

        var spec = new Dictionary<string, object>
        {
            ["replicas"] = 1,
            ["selector"] = new Dictionary<string, object> { ["matchLabels"] = Labels(service.Name) },
            ["template"] = new Dictionary<string, object>
            {
                ["metadata"] = new Dictionary<string, object> { ["labels"] = Labels(service.Name) },
                ["spec"] = pod,
            },
        };
        if (claims.Count > 0)
        {
            // A ReadWriteOnce volume is not shared by an old and a new pod.
            spec["strategy"] = new Dictionary<string, object> { ["type"] = "Recreate" };
        }

        return new Dictionary<string, object> { ["apiVersion"] = "apps/v1", ["kind"] = "Deployment", ["metadata"] = Metadata(service.Name), ["spec"] = spec };
    }

    /// <summary>One Service named after the resource (its <c>host</c>), a port per binding.</summary>
    private static object Service(ManifestResource service) => new Dictionary<string, object>
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Service",
        ["metadata"] = Metadata(service.Name),
        ["spec"] = new Dictionary<string, object>
        {
            ["selector"] = Labels(service.Name),
            ["ports"] = service.Bindings.Values.Select(binding => new Dictionary<string, object>
            {
                ["name"] = binding.Name, ["protocol"] = "TCP", ["port"] = binding.TargetPort, ["targetPort"] = binding.TargetPort,
            }).ToList(),
        },
    };

    private static object Claim(ManifestResource service, ManifestVolume volume) => new Dictionary<string, object>
    {
        ["apiVersion"] = "v1",
        ["kind"] = "PersistentVolumeClaim",
        ["metadata"] = Metadata(ClaimName(volume)),
        ["spec"] = new Dictionary<string, object>
        {
            ["accessModes"] = new List<string> { "ReadWriteOnce" },
            ["resources"] = new Dictionary<string, object> { ["requests"] = new Dictionary<string, string> { ["storage"] = "1Gi" } },
        },
    };

    private static string ClaimName(ManifestVolume volume) => volume.Source!.ToLowerInvariant().Replace('_', '-').Replace('.', '-');

    /// <summary>Projects answer <c>/health</c> (ready) and <c>/alive</c> (live) over HTTP; containers accept connections.</summary>
    private static Dictionary<string, object>? Probe(ManifestResource service, string path)
    {
        if (service.Bindings.Values.FirstOrDefault() is not { } binding)
        {
            return null;
        }

        var http = service.IsProject ? service.Bindings.Values.FirstOrDefault(candidate => candidate.Scheme == "http") : null;
        return http is not null
            ? new() { ["httpGet"] = new Dictionary<string, object> { ["path"] = path, ["port"] = http.TargetPort }, ["periodSeconds"] = 5 }
            : new() { ["tcpSocket"] = new Dictionary<string, object> { ["port"] = binding.TargetPort }, ["periodSeconds"] = 5 };
    }

    private static string Literal(DeployedValue value, string what) => value.HasParameter
        ? throw new NotSupportedException($"{what} embed a parameter: pass it as an environment variable instead.")
        : value.Render(text => text, _ => string.Empty);
}
