using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OmniFlow.Fulfillment.Admission;
using OmniFlow.Fulfillment.Admission.InProcess;
using OmniFlow.Fulfillment.Admission.Redis;
using OmniFlow.Fulfillment.Inventory;
using OmniFlow.Tests.Infrastructure;
using StackExchange.Redis;

namespace OmniFlow.Tests.Admission;

public sealed class AddAdmissionGateTests(RedisServer server) : IClassFixture<RedisServer>
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Without_a_redis_connection_string_the_gate_is_in_process()
    {
        using var host = Build(new() { ["Sales:PerUserLimit"] = "3" });
        await host.StartAsync(Cancellation);

        Assert.IsType<InProcessAdmissionGate>(host.Services.GetRequiredService<IAdmissionGate>());
        Assert.Equal(3, host.Services.GetRequiredService<IOptions<AdmissionOptions>>().Value.PerUserLimit);
        Assert.Null(host.Services.GetService<IConnectionMultiplexer>());
        await host.StopAsync(Cancellation);
    }

    [Fact]
    public async Task With_a_redis_connection_string_the_gate_is_redis_and_health_checked_by_Aspire_s_Redis_client()
    {
        server.EnsureAvailable();
        var prefix = $"test-{Guid.NewGuid():N}";
        using var host = Build(new()
        {
            ["ConnectionStrings:redis"] = server.ConnectionString,
            ["Sales:PerUserLimit"] = "2",
            ["Sales:AdmissionTtl"] = "01:00:00",
            ["Sales:RedisKeyPrefix"] = prefix,
        });
        await host.StartAsync(Cancellation);

        var gate = Assert.IsType<RedisAdmissionGate>(host.Services.GetRequiredService<IAdmissionGate>());
        await gate.SetStockAsync("phone", 5, Cancellation);
        Assert.True((await gate.TryAdmitAsync("ORDER-1", "u-1", [new StockLine("phone", 2)], Cancellation)).Admitted);
        Assert.Equal(AdmissionOutcome.UserLimitReached, (await gate.TryAdmitAsync("ORDER-2", "u-1", [new StockLine("phone", 1)], Cancellation)).Outcome);
        var redis = host.Services.GetRequiredService<IConnectionMultiplexer>();
        Assert.Equal(3, (int)await redis.GetDatabase().StringGetAsync($"{{{prefix}}}:stock:phone"));

        var health = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(Cancellation);
        Assert.Equal(HealthStatus.Healthy, health.Status);
        Assert.Contains(health.Entries.Keys, name => name.Contains("Redis", StringComparison.OrdinalIgnoreCase));
        await host.StopAsync(Cancellation);
    }

    [Fact]
    public async Task Invalid_sales_settings_stop_the_host_from_starting()
    {
        using var host = Build(new() { ["Sales:PerUserLimit"] = "0" });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Cancellation));
        Assert.Contains("Sales:PerUserLimit must be at least 1.", error.Message);
    }

    private static IHost Build(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddAdmissionGate();
        return builder.Build();
    }
}
