using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using OmniFlow.Fulfillment.Orders;
using OmniFlow.Tests.Infrastructure;

namespace OmniFlow.Tests.AppHost;

/// <summary>
/// What the Api and the Worker ship: their appsettings.json must not shadow what the AppHost hands them, and the
/// Worker's runtime runs without tiered PGO, wherever it is started.
/// </summary>
public sealed class ShippedSettingsTests
{
    [Theory]
    [InlineData("OmniFlow.Api")]
    [InlineData("OmniFlow.Worker")]
    public void The_temporal_address_the_apphost_hands_over_is_the_one_used(string project)
    {
        var shipped = Path.Combine(SourceTree.SolutionDirectory(), project, "appsettings.json");
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(shipped, optional: false)
            .AddInMemoryCollection([new("ConnectionStrings:temporal", "127.0.0.1:45123")])
            .Build();

        Assert.Equal("127.0.0.1:45123", TemporalSettings.From(configuration).Address);
    }

    [Fact]
    public void The_worker_runs_without_tiered_pgo()
    {
        var runtimeConfig = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "OmniFlow.Worker.runtimeconfig.json")))!;

        Assert.False(runtimeConfig["runtimeOptions"]?["configProperties"]?["System.Runtime.TieredPGO"]?.GetValue<bool>() ?? true);
    }
}
