using Aspire.Hosting.ApplicationModel;
using OmniFlow.AppHost.Local;

namespace OmniFlow.Tests.WholeSystem;

/// <summary>The system as on a machine with nothing but the .NET SDK: <c>AppHost:UseLocalBinaries=false</c>.</summary>
public sealed class EmbeddedSystemFixture : IAsyncLifetime
{
    public static readonly TimeSpan PaymentTimeout = TimeSpan.FromSeconds(15);

    public OmniFlowSystem System { get; private set; } = null!;

    public async ValueTask InitializeAsync() => System = await OmniFlowSystem.StartAsync(
        ["--AppHost:UseLocalBinaries=false", $"--Orders:PaymentTimeout={PaymentTimeout}"], CancellationToken.None, withDashboard: true);

    public async ValueTask DisposeAsync()
    {
        if (System is not null)
        {
            await System.DisposeAsync();
        }
    }
}

/// <summary>In-process admission gate, SQLite and OmniFlow.TemporalServer as a project resource, driven over HTTP.</summary>
[Collection(WholeSystemCollection.Name)]
public sealed class EmbeddedModeTests(EmbeddedSystemFixture fixture) : IClassFixture<EmbeddedSystemFixture>
{
    private readonly OrderApi orders = new(fixture.System.CreateHttpClient("api"));

    [Fact]
    public void Every_backing_service_runs_embedded()
    {
        var system = fixture.System;

        Assert.DoesNotContain(system.Model.Resources, resource => resource.Name is "redis" or "mysql");
        Assert.Equal(ServiceMode.Embedded, system.ModeOf("omniflowdb")?.Mode);
        Assert.StartsWith("SQLite file ", system.ModeOf("omniflowdb")!.Description);
        Assert.Equal(ServiceMode.Embedded, system.ModeOf("temporal")?.Mode);
        Assert.IsAssignableFrom<ProjectResource>(system.Model.Resources.Single(resource => resource.Name == "temporal"));
        Assert.Equal(KnownResourceStates.Running, system.CurrentState("temporal").Snapshot.State?.Text);
    }

    [Fact]
    public Task An_order_that_is_paid_completes() => orders.OrderAndPayAsync();

    [Fact]
    public async Task One_order_is_one_trace_across_the_api_and_the_worker_in_the_dashboard()
    {
        var order = await orders.OrderAndPayAsync();
        using var dashboard = new HttpClient { BaseAddress = fixture.System.DashboardUri, Timeout = TimeSpan.FromSeconds(30) };
        dashboard.DefaultRequestHeaders.Add("x-api-key", OmniFlowSystem.DashboardApiKey);

        var spans = await DashboardTraces.WaitForOrderTraceAsync(dashboard, order, TimeSpan.FromSeconds(60));

        Assert.Single(spans.Select(span => span.TraceId).Distinct());
        Assert.Contains(spans, span => span is { Service: "api", Name: "POST /api/v1/orders/" });
        Assert.Contains(spans, span => span is { Service: "api", Name: "StartWorkflow:OrderWorkflow" });
        Assert.Contains(spans, span => span is { Service: "worker", Name: "RunWorkflow:OrderWorkflow" });
        Assert.Contains(spans, span => span is { Service: "worker", Name: "RunActivity:ReserveStock" });
        Assert.Contains(spans, span => span is { Service: "worker", Name: "HandleUpdate:PayOrder" });
        Assert.Contains(spans, span => span is { Service: "worker", Name: "RunWorkflow:ShipmentWorkflow" });
        Assert.Contains(spans, span => span is { Service: "worker", Name: "CompleteWorkflow:OrderWorkflow" });
        var run = spans.Single(span => span.Name == "RunWorkflow:OrderWorkflow");
        Assert.Equal(spans.Single(span => span.Name == "StartWorkflow:OrderWorkflow").SpanId, run.ParentSpanId);
    }

    [Fact]
    public Task An_order_not_paid_in_time_is_cancelled_and_its_stock_comes_back() =>
        orders.OrderAndLetThePaymentTimeOutAsync(EmbeddedSystemFixture.PaymentTimeout);
}
