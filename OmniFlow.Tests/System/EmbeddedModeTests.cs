using OmniFlow.AppHost.Hosting;

namespace OmniFlow.Tests.WholeSystem;

/// <summary>The system as on a machine with nothing but the .NET SDK: <c>AppHost:UseLocalBinaries=false</c>.</summary>
public sealed class EmbeddedSystemFixture : IAsyncLifetime
{
    public static readonly TimeSpan PaymentTimeout = TimeSpan.FromSeconds(5);

    public OmniFlowSystem System { get; private set; } = null!;

    public async ValueTask InitializeAsync() => System = await OmniFlowSystem.StartAsync(
        ["--AppHost:UseLocalBinaries=false", $"--Orders:PaymentTimeout={PaymentTimeout}"], CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        if (System is not null)
        {
            await System.DisposeAsync();
        }
    }
}

/// <summary>In-process admission gate, SQLite and OmniFlow.TemporalServer, driven over HTTP.</summary>
[Collection(WholeSystemCollection.Name)]
public sealed class EmbeddedModeTests(EmbeddedSystemFixture fixture) : IClassFixture<EmbeddedSystemFixture>
{
    private readonly OrderApi orders = new(fixture.System.CreateHttpClient("api"));

    [Fact]
    public void The_AppHost_printed_the_embedded_default_for_every_backing_service()
    {
        var printed = fixture.System.Application.Log.Recent(50);

        Assert.Contains(printed, line => line.StartsWith("local binaries: not used (AppHost:UseLocalBinaries=false)", StringComparison.Ordinal));
        Assert.Contains("redis: embedded — no Redis: the Api uses its in-process admission gate", printed);
        Assert.Contains(printed, line => line.StartsWith("mysql: embedded — SQLite file ", StringComparison.Ordinal));
        Assert.Contains("omniflowdb: embedded — SQLite database", printed);
        Assert.Contains(printed, line => line.StartsWith("temporal: embedded — OmniFlow.TemporalServer on 127.0.0.1:", StringComparison.Ordinal));
        Assert.Contains(printed, line => line.StartsWith("worker: project — ", StringComparison.Ordinal));
        Assert.Contains(printed, line => line.StartsWith("api: project — ", StringComparison.Ordinal));

        // Nothing but the projects and OmniFlow.TemporalServer runs as a process.
        var processes = fixture.System.Application.Resources.Where(runner => runner.Plan.Process is not null).Select(runner => runner.Resource.Name);
        Assert.Equal(["temporal", "worker", "api"], processes);
        var api = fixture.System.Application["api"].Plan.Process!.Environment;
        Assert.False(api.ContainsKey("ConnectionStrings__redis"), "the Api must use its in-process gate");
        Assert.StartsWith("Data Source=", api["ConnectionStrings__omniflowdb"]);
    }

    [Fact]
    public Task An_order_that_is_paid_completes() => orders.OrderAndPayAsync();

    [Fact]
    public Task An_order_not_paid_in_time_is_cancelled_and_its_stock_comes_back() =>
        orders.OrderAndLetThePaymentTimeOutAsync(EmbeddedSystemFixture.PaymentTimeout);
}
