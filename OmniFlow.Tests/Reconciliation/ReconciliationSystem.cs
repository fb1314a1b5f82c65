using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OmniFlow.Fulfillment.Reconciliation;
using OmniFlow.Tests.Api;
using StackExchange.Redis;

namespace OmniFlow.Tests.Reconciliation;

/// <summary>
/// The whole system on real Redis and MariaDB, with a reconciliation that looks at anything stuck for a second and reads
/// twice a second apart. No schedule (as in every test system): every run in these tests is one the test started.
/// </summary>
public sealed class ReconciliationSystem : RealServicesSystem
{
    public const string GatePrefix = "{omniflow:gate}";

    protected override IReadOnlyList<string> ExtraSettings =>
    [
        "--Reconciliation:StuckAfter=00:00:01",
        "--Reconciliation:SettleDelay=00:00:01",
    ];

    public IDatabase Redis => ApiServices.GetRequiredService<IConnectionMultiplexer>().GetDatabase();

    /// <summary>Starts a run through the API, waits for it to end, and answers it as <c>GET /admin/reconciliations/{id}</c> does.</summary>
    public async Task<JsonElement> ReconcileAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/admin/reconciliations");
        request.Headers.Add("X-Api-Key", AdminKey);
        using var started = await Http.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var id = (await started.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("id").GetString()!;
        await Temporal.Client.GetWorkflowHandle(id).GetResultAsync<ReconciliationReport>();
        return await GetRunAsync(id);
    }

    public async Task<JsonElement> GetRunAsync(string id)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/admin/reconciliations/{id}");
        request.Headers.Add("X-Api-Key", AdminKey);
        using var response = await Http.SendAsync(request, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET run {id} answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public static JsonElement Sku(JsonElement run, string sku) =>
        run.GetProperty("skus").EnumerateArray().Single(entry => entry.GetProperty("sku").GetString() == sku);

    public static List<JsonElement> Corrections(JsonElement run, string sku) =>
        [.. Sku(run, sku).GetProperty("corrections").EnumerateArray()];
}

[CollectionDefinition(Name)]
public sealed class ReconciliationCollection : ICollectionFixture<ReconciliationSystem>
{
    public const string Name = "Reconciliation on Redis and MariaDB";
}
