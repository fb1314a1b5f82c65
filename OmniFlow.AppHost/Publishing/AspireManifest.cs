using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace OmniFlow.AppHost.Publishing;

/// <summary>
/// Aspire's manifest (<c>--publisher manifest</c>) read into records: the resources, and their <c>{...}</c> expressions
/// resolved to what a deployment needs: literal text and the parameters a deployer supplies.
/// </summary>
public sealed partial record AspireManifest(IReadOnlyDictionary<string, ManifestResource> Resources)
{
    public static AspireManifest Load(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var resources = document.RootElement.GetProperty("resources").EnumerateObject()
            .ToDictionary(resource => resource.Name, resource => ManifestResource.Read(resource.Name, resource.Value));
        return new AspireManifest(resources);
    }

    /// <summary>Containers and projects, in the manifest's order: what becomes a service or a Deployment.</summary>
    public IEnumerable<ManifestResource> Services => Resources.Values.Where(resource => resource.IsService);

    /// <summary>A manifest value (<c>"redis:{redis.bindings.tcp.port}"</c>) as literal text and parameters.</summary>
    public DeployedValue Resolve(string? value) => new([.. Parts(value ?? string.Empty, depth: 0)]);

    /// <summary>The services a value refers to, through connection strings and values (omniflowdb is mysql's).</summary>
    public IEnumerable<string> ServicesReferencedBy(string? value) => References(value ?? string.Empty, depth: 0).Distinct();

    /// <summary>The services <paramref name="resource"/> stands for: itself, or those its connection string names.</summary>
    public IEnumerable<string> ServicesOf(string resource) =>
        Resources.TryGetValue(resource, out var found) && found.IsService ? [resource] : ServicesReferencedBy($"{{{resource}.connectionString}}");

    private IEnumerable<ValuePart> Parts(string value, int depth)
    {
        var position = 0;
        foreach (Match match in Expression().Matches(value))
        {
            if (match.Index > position)
            {
                yield return new LiteralPart(value[position..match.Index]);
            }

            foreach (var part in Reference(match.Groups["resource"].Value, match.Groups["path"].Value, depth))
            {
                yield return part;
            }

            position = match.Index + match.Length;
        }

        if (position < value.Length)
        {
            yield return new LiteralPart(value[position..]);
        }
    }

    private IEnumerable<ValuePart> Reference(string name, string path, int depth)
    {
        if (depth > 16)
        {
            throw new InvalidOperationException($"{{{name}.{path}}} refers to itself.");
        }

        var resource = Resources.TryGetValue(name, out var found)
            ? found
            : throw new InvalidOperationException($"{{{name}.{path}}} names no resource of the manifest.");
        var segments = path.Split('.');
        return (resource.Type, segments) switch
        {
            ("parameter.v0", ["value"]) => [new ParameterPart(name, resource.Secret)],
            (_, ["value"]) when resource.Value is not null => Parts(resource.Value, depth + 1),
            (_, ["connectionString"]) when resource.ConnectionString is not null => Parts(resource.ConnectionString, depth + 1),
            (_, ["bindings", var binding, var property]) => [new LiteralPart(BindingProperty(resource, binding, property))],
            _ => throw new InvalidOperationException($"{{{name}.{path}}} cannot be resolved for a deployment."),
        };
    }

    /// <summary>Services reach each other by name on the target port: compose's network and Kubernetes' Services.</summary>
    private static string BindingProperty(ManifestResource resource, string name, string property)
    {
        var binding = resource.Bindings.TryGetValue(name, out var found)
            ? found
            : throw new InvalidOperationException($"{resource.Name} has no binding {name}.");
        var port = binding.TargetPort.ToString(CultureInfo.InvariantCulture);
        return property switch
        {
            "host" => resource.Name,
            "port" or "targetPort" => port,
            "hostAndPort" => $"{resource.Name}:{port}",
            "scheme" => binding.Scheme,
            "url" => $"{binding.Scheme}://{resource.Name}:{port}",
            _ => throw new InvalidOperationException($"{{{resource.Name}.bindings.{name}.{property}}} cannot be resolved for a deployment."),
        };
    }

    private IEnumerable<string> References(string value, int depth)
    {
        foreach (Match match in Expression().Matches(value))
        {
            var name = match.Groups["resource"].Value;
            if (depth > 16 || !Resources.TryGetValue(name, out var resource))
            {
                continue;
            }

            if (resource.IsService)
            {
                yield return name;
            }
            else
            {
                foreach (var nested in References($"{resource.ConnectionString}{resource.Value}", depth + 1))
                {
                    yield return nested;
                }
            }
        }
    }

    [GeneratedRegex(@"\{(?<resource>[A-Za-z0-9_-]+)\.(?<path>[A-Za-z0-9_.-]+)\}")]
    private static partial Regex Expression();
}

/// <summary>One entry of <c>resources</c>; only what a container or project deployment needs.</summary>
public sealed record ManifestResource(
    string Name,
    string Type,
    string? Image,
    string? ProjectPath,
    string? Entrypoint,
    IReadOnlyList<string> Args,
    IReadOnlyDictionary<string, string> Env,
    IReadOnlyDictionary<string, ManifestBinding> Bindings,
    IReadOnlyList<ManifestVolume> Volumes,
    string? ConnectionString,
    string? Value,
    bool Secret)
{
    public bool IsContainer => Type.StartsWith("container.", StringComparison.Ordinal);

    public bool IsProject => Type.StartsWith("project.", StringComparison.Ordinal);

    public bool IsService => IsContainer || IsProject;

    /// <summary>The image a deployment runs: the container's, or the one <c>dotnet publish -t:PublishContainer</c> builds.</summary>
    public string DeployedImage => Image ?? $"omniflow/{Name}:latest";

    /// <summary><c>OmniFlow.Api.dll</c> for <c>.../OmniFlow.Api.csproj</c>.</summary>
    public string? AssemblyName => ProjectPath is null ? null : $"{Path.GetFileNameWithoutExtension(ProjectPath.Replace('\\', '/'))}.dll";

    public static ManifestResource Read(string name, JsonElement json) => new(
        name,
        String(json, "type") ?? throw new InvalidOperationException($"{name} has no type."),
        String(json, "image"),
        String(json, "path"),
        String(json, "entrypoint"),
        json.TryGetProperty("args", out var args) ? [.. args.EnumerateArray().Select(arg => arg.GetString() ?? string.Empty)] : [],
        json.TryGetProperty("env", out var env)
            ? env.EnumerateObject().ToDictionary(pair => pair.Name, pair => pair.Value.GetString() ?? string.Empty)
            : new Dictionary<string, string>(),
        json.TryGetProperty("bindings", out var bindings)
            ? bindings.EnumerateObject().ToDictionary(pair => pair.Name, pair => ManifestBinding.Read(pair.Name, pair.Value))
            : new Dictionary<string, ManifestBinding>(),
        [
            .. Array(json, "volumes").Select(volume => new ManifestVolume(String(volume, "name"), String(volume, "target")!, Bool(volume, "readOnly"))),
            .. Array(json, "bindMounts").Select(mount => new ManifestVolume(String(mount, "source"), String(mount, "target")!, Bool(mount, "readOnly"))),
        ],
        String(json, "connectionString"),
        String(json, "value"),
        json.TryGetProperty("inputs", out var inputs) && inputs.EnumerateObject().Any(input => Bool(input.Value, "secret")));

    private static string? String(JsonElement json, string property) =>
        json.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool Bool(JsonElement json, string property) =>
        json.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.True;

    private static IEnumerable<JsonElement> Array(JsonElement json, string property) =>
        json.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Array ? value.EnumerateArray() : [];
}

/// <summary>An endpoint: services listen on <see cref="TargetPort"/>.</summary>
public sealed record ManifestBinding(string Name, string Scheme, string Protocol, int TargetPort)
{
    public static ManifestBinding Read(string name, JsonElement json) => new(
        name,
        json.TryGetProperty("scheme", out var scheme) ? scheme.GetString() ?? "tcp" : "tcp",
        json.TryGetProperty("protocol", out var protocol) ? protocol.GetString() ?? "tcp" : "tcp",
        json.TryGetProperty("targetPort", out var port) ? port.GetInt32()
            : throw new InvalidOperationException($"Binding {name} has no targetPort: give the endpoint one in the AppHost."));
}

/// <summary>A named volume (<see cref="Source"/> its name) or a bind mount (its host path).</summary>
public sealed record ManifestVolume(string? Source, string Target, bool ReadOnly);

public abstract record ValuePart;

public sealed record LiteralPart(string Text) : ValuePart;

/// <summary>A parameter the deployer supplies (<c>{mysql-root-password.value}</c>).</summary>
public sealed record ParameterPart(string Name, bool Secret) : ValuePart
{
    /// <summary><c>MYSQL_ROOT_PASSWORD</c> for <c>mysql-root-password</c>.</summary>
    public string EnvironmentName => Name.Replace('-', '_').ToUpperInvariant();
}

/// <summary>A resolved manifest value: literal text around the parameters it embeds.</summary>
public sealed record DeployedValue(IReadOnlyList<ValuePart> Parts)
{
    public bool HasSecret => Parts.OfType<ParameterPart>().Any(part => part.Secret);

    public bool HasParameter => Parts.OfType<ParameterPart>().Any();

    /// <summary>The single parameter the whole value is, if it is one.</summary>
    public ParameterPart? OnlyParameter => Parts is [ParameterPart parameter] ? parameter : null;

    public string Render(Func<string, string> literal, Func<ParameterPart, string> parameter) =>
        string.Concat(Parts.Select(part => part switch
        {
            LiteralPart text => literal(text.Text),
            ParameterPart reference => parameter(reference),
            _ => throw new InvalidOperationException(),
        }));
}
