using OmniFlow.AppHost.Hosting;
using OmniFlow.AppHost.Hosting.Resolution;
using OmniFlow.Tests.WholeSystem;

namespace OmniFlow.Tests.AppHost;

/// <summary>
/// The environment Program.cs's projects are started with, planned without starting anything: Aspire's connection
/// variables, OpenTelemetry, the environment name, the Api's port and the forwarded configuration sections.
/// </summary>
public sealed class ProjectWiringTests
{
    private static readonly string[] ForwardedSections = ["Api", "Orders", "Sales", "Admin", "Payments"];
    private static readonly string[] Projects = ["api", "worker"];

    private readonly string marker = $"M{Guid.NewGuid():N}";

    [Fact]
    public void Projects_get_the_external_services_OpenTelemetry_and_the_development_environment()
    {
        var environments = PlanProjects(
            "--ConnectionStrings:redis=cache.internal:6380",
            "--ConnectionStrings:omniflowdb=Server=db.internal;Port=3307;User ID=omniflow;Password=secret;Database=omniflowdb",
            "--Temporal:Address=temporal.internal:7233",
            "--OTEL_EXPORTER_OTLP_ENDPOINT=http://collector.internal:4317",
            "--Api:Port=18123");

        foreach (var project in Projects)
        {
            var environment = environments[project];
            Assert.Equal("cache.internal:6380", environment["ConnectionStrings__redis"]);
            Assert.Equal("Server=db.internal;Port=3307;User ID=omniflow;Password=secret;Database=omniflowdb", environment["ConnectionStrings__omniflowdb"]);
            Assert.Equal("temporal.internal:7233", environment["Temporal__Address"]);
            Assert.Equal("http://collector.internal:4317", environment["OTEL_EXPORTER_OTLP_ENDPOINT"]);
            Assert.Equal(project, environment["OTEL_SERVICE_NAME"]);
            Assert.Equal("Development", environment["ASPNETCORE_ENVIRONMENT"]);
            Assert.Equal("Development", environment["DOTNET_ENVIRONMENT"]);
        }

        Assert.Equal("http://127.0.0.1:18123", environments["api"]["ASPNETCORE_URLS"]);
        Assert.NotEqual(environments["api"]["ASPNETCORE_URLS"], environments["worker"]["ASPNETCORE_URLS"]);
    }

    [Fact]
    public void Embedded_services_mean_no_redis_a_SQLite_file_and_a_local_temporal_and_the_api_on_8000()
    {
        var environments = PlanProjects();

        foreach (var project in Projects)
        {
            var environment = environments[project];
            Assert.False(environment.ContainsKey("ConnectionStrings__redis"), $"{project} must use the in-process gate");
            Assert.StartsWith("Data Source=", environment["ConnectionStrings__omniflowdb"]);
            Assert.Matches(@"^127\.0\.0\.1:\d+$", environment["Temporal__Address"]);
        }

        Assert.Equal("http://127.0.0.1:8000", environments["api"]["ASPNETCORE_URLS"]);
    }

    [Fact]
    public void Configuration_sections_are_forwarded_from_the_command_line_and_the_environment()
    {
        var fromEnvironment = ForwardedSections.ToDictionary(section => $"{section}__{marker}Env", section => $"{section}-from-environment");
        fromEnvironment[$"Orders__{marker}Both"] = "environment";
        fromEnvironment[$"Unforwarded__{marker}"] = "not forwarded";
        Dictionary<string, IReadOnlyDictionary<string, string>> environments;
        foreach (var (name, value) in fromEnvironment)
        {
            Environment.SetEnvironmentVariable(name, value);
        }

        try
        {
            environments = PlanProjects(
            [
                .. ForwardedSections.Select(section => $"--{section}:{marker}Cli={section}-from-command-line"),
                $"--Orders:{marker}Both=command line",
                $"--Sales:{marker}:Nested=nested",
                $"--Unforwarded:{marker}Cli=not forwarded",
            ]);
        }
        finally
        {
            foreach (var name in fromEnvironment.Keys)
            {
                Environment.SetEnvironmentVariable(name, null);
            }
        }

        foreach (var project in Projects)
        {
            var environment = environments[project];
            foreach (var section in ForwardedSections)
            {
                Assert.Equal($"{section}-from-command-line", environment[$"{section}__{marker}Cli"]);
                Assert.Equal($"{section}-from-environment", environment[$"{section}__{marker}Env"]);
            }

            Assert.Equal("command line", environment[$"Orders__{marker}Both"]);
            Assert.Equal("nested", environment[$"Sales__{marker}__Nested"]);
            Assert.DoesNotContain(environment.Keys, key => key.StartsWith("Unforwarded__", StringComparison.Ordinal));
        }
    }

    /// <summary>Builds Program.cs's model with these arguments and plans every resource, as a run would, without starting one.</summary>
    [Fact]
    public void Only_the_api_keeps_its_thread_pool_spinning_everything_else_shares_the_cores()
    {
        var processes = PlanProcesses();

        Assert.Equal("0", processes["worker"][ThreadPoolSpinning.Variable]);
        Assert.Equal("0", processes["temporal"][ThreadPoolSpinning.Variable]);
        Assert.False(processes["api"].ContainsKey(ThreadPoolSpinning.Variable));
    }

    private static Dictionary<string, IReadOnlyDictionary<string, string>> PlanProjects(params string[] args) =>
        PlanProcesses(args)
            .Where(planned => Projects.Contains(planned.Key))
            .ToDictionary(planned => planned.Key, planned => planned.Value);

    /// <summary>The environment of every resource that runs as a process of ours (with nothing local: embedded services).</summary>
    private static Dictionary<string, IReadOnlyDictionary<string, string>> PlanProcesses(params string[] args)
    {
        var application = DistributedApplicationTestingBuilder.Create(
            [$"--AppHost:DataDirectory={Path.Combine(Path.GetTempPath(), "omniflow-wiring-unused")}", "--AppHost:ConsoleOutput=false", .. args]);
        var context = new RunContext(application.Builder.Configuration, BinaryLocator.None);
        return DistributedApplication.DependencyOrder(application.Builder.Resources)
            .Select(resource => (resource.Name, Plan: resource.Plan(context)))
            .Where(planned => planned.Plan.Process is not null)
            .ToDictionary(planned => planned.Name, planned => planned.Plan.Process!.Environment);
    }
}
