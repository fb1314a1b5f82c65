using Microsoft.Extensions.Configuration;
using OmniFlow.AppHost.Hosting.Health;

namespace OmniFlow.AppHost.Hosting.Resources;

/// <summary>A .NET project run as its own process, wired to its references through environment variables.</summary>
public sealed class ProjectResource(string name, IProjectMetadata project) : Resource(name)
{
    public override string Kind => "Project";

    public IProjectMetadata Project { get; } = project;

    public int? HttpPort { get; set; }

    public string? HealthCheckPath { get; set; }

    public List<string> ForwardedSections { get; } = [];

    public override ResourcePlan Plan(RunContext context)
    {
        var port = HttpPort ?? RunContext.FreePort();
        var endpoint = $"http://127.0.0.1:{port}";
        var command = ProjectOutput.Command(Project, []);
        return new ResourcePlan(ResourceMode.Project, $"{Path.GetFileName(Project.ProjectPath)} on {endpoint}")
        {
            Endpoint = endpoint,
            Setup = ProjectOutput.EnsureBuilt(Project),
            Process = command with { Environment = BuildEnvironment(context.Configuration, endpoint) },
            HealthCheck = HealthCheckPath is null ? null : new HttpHealthCheck(new Uri(new Uri(endpoint), HealthCheckPath)),
        };
    }

    /// <summary>Aspire's wiring conventions, plus the forwarded configuration sections.</summary>
    public Dictionary<string, string> BuildEnvironment(IConfiguration configuration, string endpoint)
    {
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = configuration["AppHost:Environment"] ?? "Development",
            ["DOTNET_ENVIRONMENT"] = configuration["AppHost:Environment"] ?? "Development",
            ["ASPNETCORE_URLS"] = endpoint,
            ["OTEL_SERVICE_NAME"] = Name,
        };
        foreach (var otlp in (string[])["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_HEADERS"])
        {
            if (configuration[otlp] is { Length: > 0 } value)
            {
                environment[otlp] = value;
            }
        }

        foreach (var reference in References.Where(reference => reference.ConnectionString is not null))
        {
            environment[reference.EnvironmentVariable] = reference.ConnectionString!;
        }

        foreach (var section in ForwardedSections)
        {
            foreach (var (key, value) in configuration.GetSection(section).AsEnumerable().Where(pair => pair.Value is not null))
            {
                environment[key.Replace(":", "__", StringComparison.Ordinal)] = value!;
            }
        }

        foreach (var (key, value) in ResolveEnvironment())
        {
            environment[key] = value;
        }

        return environment;
    }
}
