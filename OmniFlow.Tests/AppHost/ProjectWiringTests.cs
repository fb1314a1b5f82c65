using System.Diagnostics;
using System.Globalization;
using Aspire.Hosting.ApplicationModel;
using MySqlConnector;
using OmniFlow.AppHost.Local;
using OmniFlow.AppHost.MySql;
using OmniFlow.Tests.Infrastructure;

namespace OmniFlow.Tests.AppHost;

/// <summary>
/// The environment Program.cs's projects are started with, from the Aspire model without starting anything: the
/// connection strings of the references, the environment name, the forwarded configuration sections, thread-pool spinning.
/// </summary>
public sealed class ProjectWiringTests
{
    private static readonly string[] ForwardedSections = ["Api", "Orders", "Sales", "Admin", "Payments", "Reconciliation", "Notifications", "Temporal", "Telemetry"];
    private static readonly string[] Projects = ["api", "worker"];
    private static readonly string[] ExternalServices =
    [
        "--ConnectionStrings:redis=cache.internal:6380",
        "--ConnectionStrings:omniflowdb=Server=db.internal;Port=3307;User ID=omniflow;Password=secret;Database=omniflowdb",
        "--Temporal:Address=temporal.internal:7233",
    ];

    private readonly string marker = $"M{Guid.NewGuid():N}";

    [Fact]
    public async Task External_services_are_handed_to_both_projects_as_connection_strings_and_nothing_else_runs()
    {
        await using var model = await AppHostModel.BuildAsync(ExternalServices);

        // Aspire's own "<project>-rebuilder" executables start only when asked to.
        Assert.DoesNotContain(model.Resources.OfType<ExecutableResource>(), resource => !resource.Annotations.OfType<ExplicitStartupAnnotation>().Any());
        Assert.Empty(model.Resources.OfType<ContainerResource>());
        Assert.Equal(["worker", "api"], model.Resources.OfType<ProjectResource>().Select(resource => resource.Name));
        Assert.All(["redis", "omniflowdb", "temporal"], name => Assert.Equal(ServiceMode.External, model[name].Annotations.OfType<ServiceModeAnnotation>().Single().Mode));
        foreach (var project in Projects)
        {
            var environment = await model.EnvironmentOfAsync(project);
            Assert.Equal("cache.internal:6380", environment["ConnectionStrings__redis"]);
            Assert.Equal("Server=db.internal;Port=3307;User ID=omniflow;Password=secret;Database=omniflowdb", environment["ConnectionStrings__omniflowdb"]);
            Assert.Equal("temporal.internal:7233", environment["ConnectionStrings__temporal"]);
            Assert.True(environment.ContainsKey("OTEL_SERVICE_NAME"), $"{project} names itself to OpenTelemetry (DCP fills in the resource name)");
            Assert.Equal("Development", environment["ASPNETCORE_ENVIRONMENT"]);
            Assert.Equal("Development", environment["DOTNET_ENVIRONMENT"]);
        }
    }

    [Fact]
    public async Task The_api_serves_on_Api_Port_without_a_proxy()
    {
        await using var model = await AppHostModel.BuildAsync([.. ExternalServices, "--Api:Port=18123"]);

        var endpoint = model["api"].Annotations.OfType<EndpointAnnotation>().Single();
        Assert.Equal(18123, endpoint.Port);
        Assert.Equal(18123, endpoint.TargetPort);
        Assert.False(endpoint.IsProxied);
        Assert.False(model["worker"].Annotations.OfType<EndpointAnnotation>().Single().IsProxied);
    }

    [Fact]
    public async Task Inventory_workers_run_apart_in_replicas_and_every_project_sends_stock_movements_to_their_queue()
    {
        await using var model = await AppHostModel.BuildAsync([.. ExternalServices, "--AppHost:InventoryWorkers=2"]);

        Assert.Equal(["worker", "inventory-worker", "api"], model.Resources.OfType<ProjectResource>().Select(resource => resource.Name));
        Assert.Equal(2, model["inventory-worker"].Annotations.OfType<ReplicaAnnotation>().Single().Replicas);
        Assert.True(model["inventory-worker"].Annotations.OfType<EndpointAnnotation>().Single().IsProxied, "replicas share one proxied endpoint");
        Assert.Contains(model["inventory-worker"].Annotations.OfType<HealthCheckAnnotation>(), _ => true);
        var inventory = await model.EnvironmentOfAsync("inventory-worker");
        var worker = await model.EnvironmentOfAsync("worker");
        var api = await model.EnvironmentOfAsync("api");
        Assert.Equal("inventory", inventory["Worker__Serves"]);
        Assert.Equal("orders", worker["Worker__Serves"]);
        Assert.All([inventory, worker, api], environment => Assert.Equal("omniflow-inventory", environment["Temporal__InventoryTaskQueue"]));
        Assert.Equal("temporal.internal:7233", inventory["ConnectionStrings__temporal"]);
        Assert.StartsWith("Server=db.internal", inventory["ConnectionStrings__omniflowdb"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_local_mariadb_takes_a_full_pool_from_every_worker_and_the_api()
    {
        await using var model = await AppHostModel.BuildAsync("--AppHost:InventoryWorkers=4");
        if (model.Resources.SingleOrDefault(resource => resource.Name == "mysql") is not MariaDbServerResource)
        {
            RequiredServices.Unavailable("no local mariadbd: the AppHost keeps the database in a SQLite file");
            return;
        }

        // During a sale each process's pool fills up: every reservation waits for the hot row on a connection of its own.
        var pools = (1 + 4 + 1) * new MySqlConnectionStringBuilder().MaximumPoolSize;
        var setting = (await model.ArgumentsOfAsync("mysql")).Single(argument => argument.StartsWith("--max-connections=", StringComparison.Ordinal));

        Assert.True(int.Parse(setting["--max-connections=".Length..], CultureInfo.InvariantCulture) > pools, $"{setting} for pools of {pools} connections");
    }

    [Fact]
    public async Task By_default_one_worker_serves_the_order_and_the_inventory_queue()
    {
        await using var model = await AppHostModel.BuildAsync(ExternalServices);

        Assert.DoesNotContain(model.Resources, resource => resource.Name == "inventory-worker");
        Assert.False((await model.EnvironmentOfAsync("worker")).ContainsKey("Worker__Serves"));
        Assert.False((await model.EnvironmentOfAsync("api")).ContainsKey("Temporal__InventoryTaskQueue"));
    }

    [Fact]
    public async Task Without_local_binaries_there_is_no_redis_a_SQLite_file_and_OmniFlow_TemporalServer_as_a_project_with_a_state_file()
    {
        await using var model = await AppHostModel.BuildAsync("--AppHost:UseLocalBinaries=false");

        Assert.DoesNotContain(model.Resources, resource => resource.Name is "redis" or "mysql");
        Assert.IsAssignableFrom<ProjectResource>(model["temporal"]);
        var temporalArguments = await model.ArgumentsOfAsync("temporal");
        Assert.Equal(["server", "start-dev"], temporalArguments.Take(2));
        // Its state is kept in the data directory, so a restart of the AppHost keeps the orders' workflows.
        var stateFile = temporalArguments[temporalArguments.IndexOf("--db-filename") + 1];
        Assert.Equal(Path.Combine(Path.GetTempPath(), "omniflow-model-unused", "omniflow-temporal.db"), stateFile);
        Assert.StartsWith("Data Source=", await ((IResourceWithConnectionString)model["omniflowdb"]).GetConnectionStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Configuration_sections_are_forwarded_from_the_command_line_and_the_environment()
    {
        var fromEnvironment = ForwardedSections.ToDictionary(section => $"{section}__{marker}Env", section => $"{section}-from-environment");
        fromEnvironment[$"Orders__{marker}Both"] = "environment";
        fromEnvironment[$"Unforwarded__{marker}"] = "not forwarded";
        foreach (var (name, value) in fromEnvironment)
        {
            Environment.SetEnvironmentVariable(name, value);
        }

        AppHostModel model;
        try
        {
            model = await AppHostModel.BuildAsync(
            [
                .. ExternalServices,
                .. ForwardedSections.Select(section => $"--{section}:{marker}Cli={section}-from-command-line"),
                $"--Orders:{marker}Both=command line",
                $"--Sales:{marker}:Nested=nested",
                $"--Unforwarded:{marker}Cli=not forwarded",
                "--Notifications:Webhooks:0:Url=http://127.0.0.1:9/hook",
                "--Notifications:Webhooks:0:Secret=local-hook-secret",
                "--Notifications:Email:Smtp:Username=shop",
                "--Notifications:Email:Smtp:Password=local-smtp-password",
            ]);
        }
        finally
        {
            foreach (var name in fromEnvironment.Keys)
            {
                Environment.SetEnvironmentVariable(name, null);
            }
        }

        await using (model)
        {
            foreach (var project in Projects)
            {
                var environment = await model.EnvironmentOfAsync(project);
                foreach (var section in ForwardedSections)
                {
                    Assert.Equal($"{section}-from-command-line", environment[$"{section}__{marker}Cli"]);
                    Assert.Equal($"{section}-from-environment", environment[$"{section}__{marker}Env"]);
                }

                Assert.Equal("command line", environment[$"Orders__{marker}Both"]);
                Assert.Equal("nested", environment[$"Sales__{marker}__Nested"]);
                Assert.DoesNotContain(environment.Keys, key => key.StartsWith("Unforwarded__", StringComparison.Ordinal));

                // Run locally, secrets go over as configured (published, they are parameters: PublishTests).
                Assert.Equal("local-hook-secret", environment["Notifications__Webhooks__0__Secret"]);
                Assert.Equal("local-smtp-password", environment["Notifications__Email__Smtp__Password"]);
            }

            Assert.DoesNotContain(model.Resources.OfType<ParameterResource>(), parameter => parameter.Name.StartsWith("notifications-", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Only_the_api_keeps_its_thread_pool_spinning_everything_else_shares_the_cores()
    {
        const string spinLimit = "DOTNET_ThreadPool_UnfairSemaphoreSpinLimit";
        await using var model = await AppHostModel.BuildAsync(ExternalServices);

        Assert.Equal("0", (await model.EnvironmentOfAsync("worker"))[spinLimit]);
        Assert.False((await model.EnvironmentOfAsync("api")).ContainsKey(spinLimit));
    }

    [Fact]
    public async Task Run_locally_the_worker_and_temporal_collect_with_the_workstation_gc_and_the_api_keeps_the_server_gc()
    {
        const string serverGc = "DOTNET_gcServer";
        await using var model = await AppHostModel.BuildAsync("--AppHost:UseLocalBinaries=false");

        Assert.Equal("0", (await model.EnvironmentOfAsync("worker"))[serverGc]);
        Assert.Equal("0", (await model.EnvironmentOfAsync("temporal"))[serverGc]);
        Assert.False((await model.EnvironmentOfAsync("api")).ContainsKey(serverGc));
    }

    [Fact]
    public async Task The_workers_keep_their_native_heap_in_settings_this_glibc_reads()
    {
        const string loader = "/lib64/ld-linux-x86-64.so.2";
        await using var model = await AppHostModel.BuildAsync(ExternalServices);
        var tunables = (await model.EnvironmentOfAsync("worker"))["GLIBC_TUNABLES"];

        // glibc ignores a tunable it does not know: its loader lists the values it actually took.
        Assert.True(File.Exists(loader), $"{loader} lists glibc's tunables");
        var start = new ProcessStartInfo(loader, "--list-tunables") { RedirectStandardOutput = true };
        start.Environment["GLIBC_TUNABLES"] = tunables;
        using var process = Process.Start(start)!;
        var listed = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.Contains("glibc.malloc.trim_threshold: 0x8000000 ", listed, StringComparison.Ordinal);
        Assert.Contains("glibc.malloc.top_pad: 0x1000000 ", listed, StringComparison.Ordinal);
        Assert.Contains("glibc.malloc.mmap_threshold: 0x800000 ", listed, StringComparison.Ordinal);
        Assert.Contains("glibc.malloc.hugetlb: 0x1 ", listed, StringComparison.Ordinal);
        Assert.Contains("glibc.malloc.arena_max: 0x1 ", listed, StringComparison.Ordinal);
        Assert.False((await model.EnvironmentOfAsync("api")).ContainsKey("GLIBC_TUNABLES"));
    }

    [Fact]
    public async Task The_api_optimizes_its_hot_methods_without_waiting_for_a_quiet_moment()
    {
        const string tieringDelay = "DOTNET_TC_CallCountingDelayMs";
        await using var model = await AppHostModel.BuildAsync(ExternalServices);

        Assert.Equal("0", (await model.EnvironmentOfAsync("api"))[tieringDelay]);
        Assert.False((await model.EnvironmentOfAsync("worker")).ContainsKey(tieringDelay));
    }

    [Fact]
    public async Task Run_locally_the_services_give_up_an_export_after_a_second_so_a_stopping_dashboard_cannot_hold_their_shutdown()
    {
        await using var model = await AppHostModel.BuildAsync(ExternalServices);

        Assert.Equal("1000", (await model.EnvironmentOfAsync("worker"))["OTEL_EXPORTER_OTLP_TIMEOUT"]);
        Assert.Equal("1000", (await model.EnvironmentOfAsync("api"))["OTEL_EXPORTER_OTLP_TIMEOUT"]);
    }
}
