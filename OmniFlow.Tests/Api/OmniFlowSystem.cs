using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OmniFlow.Api;
using OmniFlow.Fulfillment.Admission;
using OmniFlow.Fulfillment.Persistence;
using OmniFlow.Tests.Orders;
using OmniFlow.Worker;
using Temporalio.Testing;

namespace OmniFlow.Tests.Api;

/// <summary>
/// The whole system in process over real HTTP: OmniFlow.TemporalServer (time skipping, started by the SDK), a Worker
/// host and an Api host exactly as their Programs build them, a SQLite file in a temp folder and the in-process gate.
/// </summary>
public class OmniFlowSystem : IAsyncLifetime
{
    public const string AdminKey = "test-admin-key";
    public const string WebhookSecret = "test-webhook-secret";

    private readonly string folder = Path.Combine(Path.GetTempPath(), $"omniflow-api-{Guid.NewGuid():N}");
    private WorkflowEnvironment? temporal;
    private WebApplication? worker;
    private WebApplication? api;

    public HttpClient Http { get; private set; } = null!;

    public WorkflowEnvironment Temporal => temporal!;

    public IServiceProvider ApiServices => api!.Services;

    public IAdmissionGate Gate => api!.Services.GetRequiredService<IAdmissionGate>();

    public IOrderStore Orders => api!.Services.GetRequiredService<IOrderStore>();

    /// <summary>The Api's gate, which fails on demand (<see cref="FlakyAdmissionGate.FailSetStock"/>).</summary>
    public FlakyAdmissionGate FlakyGate => api!.Services.GetRequiredService<FlakyAdmissionGate>();

    /// <summary>How many inventory ledger rows the database holds for <paramref name="sku"/>.</summary>
    public async Task<int> LedgerRowsAsync(string sku)
    {
        var contexts = api!.Services.GetRequiredService<IDbContextFactory<OmniFlowDbContext>>();
        await using var context = await contexts.CreateDbContextAsync(TestContext.Current.CancellationToken);
        return await context.InventoryLedger.CountAsync(entry => entry.Sku == sku, TestContext.Current.CancellationToken);
    }

    /// <summary>Where the gate and the database live; SQLite in the temp folder and the in-process gate by default.</summary>
    protected virtual Task<IReadOnlyList<string>> DependencySettingsAsync(string folder) =>
        Task.FromResult<IReadOnlyList<string>>([$"--ConnectionStrings:omniflowdb=Data Source={Path.Combine(folder, "omniflow.db")}"]);

    /// <summary>More command-line settings for both hosts (a derived system's own sections).</summary>
    protected virtual IReadOnlyList<string> ExtraSettings => [];

    /// <summary>Skips (or fails under OMNIFLOW_REQUIRE_SERVICES=1) a test whose services could not be started.</summary>
    public virtual void EnsureAvailable()
    {
    }

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(folder);
        var dependencies = await DependencySettingsAsync(folder);
        if (dependencies.Count == 0)
        {
            return;
        }

        temporal = await WorkflowEnvironment.StartTimeSkippingAsync(new()
        {
            TestServer = new() { ExistingPath = TimeSkippingEnvironment.ServerPath, StartupTimeout = TimeSpan.FromSeconds(60) },
        });
        var queue = $"orders-{Guid.NewGuid():N}";
        string[] settings =
        [
            "--environment=Production",
            "--urls=http://127.0.0.1:0",
            .. dependencies,
            $"--Temporal:Address={temporal.Client.Connection.Options.TargetHost}",
            $"--Temporal:TaskQueue={queue}",
            $"--Temporal:GateTaskQueue={queue}-gate",
            $"--Admin:ApiKey={AdminKey}",
            $"--Payments:WebhookSecret={WebhookSecret}",
            "--Shipping:FailWarehouses:0=BROKEN",
            "--Logging:LogLevel:Default=Warning",

            // No daily reconciliation: tests that move the server's clock by hours would start one among their orders.
            "--Reconciliation:Schedule=",

            // A run a test starts reads the skus twice a moment apart, not 5 s.
            "--Reconciliation:SettleDelay=00:00:00.200",
            .. ExtraSettings,
        ];

        worker = OrderWorkerApp.Build(settings);
        await worker.Services.MigrateOmniFlowDatabaseAsync();
        await worker.StartAsync();

        api = ApiApp.Build(settings, builder => FlakyAdmissionGate.Install(builder.Services));
        await api.Services.MigrateOmniFlowDatabaseAsync();
        await api.StartAsync();
        Http = new HttpClient { BaseAddress = new Uri(api.Urls.First()) };
    }

    public virtual async ValueTask DisposeAsync()
    {
        Http?.Dispose();
        foreach (var host in new[] { api, worker })
        {
            if (host is not null)
            {
                await host.StopAsync();
                await host.DisposeAsync();
            }
        }

        if (temporal is not null)
        {
            await temporal.ShutdownAsync();
        }

        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // SQLite may hold the file a moment longer; the temp folder is cleaned by the OS.
        }
    }

    public async Task PutProductAsync(string sku, int stock, decimal price = 100m, string warehouse = "SH")
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/products/{sku}")
        {
            Content = JsonContent.Create(new { name = $"Product {sku}", price, stock, warehouse }),
        };
        request.Headers.Add("X-Api-Key", AdminKey);
        using var response = await Http.SendAsync(request, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
    }

    public Task<HttpResponseMessage> PostJsonAsync(string path, string json, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return Http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    public Task<HttpResponseMessage> PayAsync(string orderId, string paymentId, decimal amount, string? signature = null)
    {
        var body = JsonSerializer.Serialize(new { payment_id = paymentId, amount });
        return PostJsonAsync($"/api/v1/orders/{orderId}/pay", body, ("X-Signature", signature ?? Sign(orderId, body)));
    }

    /// <summary>Signs as a payment provider does: <c>t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256 of "t.orderId.body"&gt;</c>.</summary>
    public static string Sign(string orderId, string body, DateTimeOffset? at = null, string secret = WebhookSecret)
    {
        var t = (at ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds();
        var mac = System.Security.Cryptography.HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{t}.{orderId}.{body}"));
        return $"t={t},v1={Convert.ToHexStringLower(mac)}";
    }

    public async Task<string> CreateOrderAsync(string json, params (string Name, string Value)[] headers)
    {
        using var response = await PostJsonAsync("/api/v1/orders", json, headers);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        return body.GetProperty("order_id").GetString()!;
    }

    /// <summary>Whether an order exists for this Idempotency-Key (its workflow or its row).</summary>
    public async Task<bool> HasOrderForKeyAsync(string idempotencyKey)
    {
        using var response = await Http.GetAsync($"/api/v1/orders/{OmniFlow.Api.Orders.OrderIds.ForIdempotencyKey(idempotencyKey)}", TestContext.Current.CancellationToken);
        return response.StatusCode != System.Net.HttpStatusCode.NotFound;
    }

    public async Task<JsonElement> GetOrderAsync(string orderId)
    {
        using var response = await Http.GetAsync($"/api/v1/orders/{orderId}", TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.OK, $"GET order {orderId} answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public async Task<JsonElement> WaitForStatusAsync(string orderId, params string[] statuses)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var order = await GetOrderAsync(orderId);
            var status = order.GetProperty("status").GetString();
            if (statuses.Contains(status))
            {
                return order;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Order {orderId} stayed {status}, expected {string.Join(" or ", statuses)}: {order}");
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    public async Task<JsonElement> GetProductAsync(string sku)
    {
        using var response = await Http.GetAsync($"/api/v1/products/{sku}", TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
    }

    /// <summary>Lets the server's clock jump (every pending durable timer that falls due fires).</summary>
    public Task SkipTimeAsync(TimeSpan duration) => Temporal.DelayAsync(duration);
}

[CollectionDefinition(Name)]
public sealed class SystemCollection : ICollectionFixture<OmniFlowSystem>
{
    public const string Name = "OmniFlow system";
}

/// <summary>The same system with the Redis gate and MariaDB, each a real server started for these tests.</summary>
public class RealServicesSystem : OmniFlowSystem
{
    private readonly Infrastructure.RedisServer redis = new();
    private readonly Infrastructure.MariaDbServer mariaDb = new();

    public override void EnsureAvailable()
    {
        redis.EnsureAvailable();
        if (mariaDb.UnavailableReason is { } reason)
        {
            Infrastructure.RequiredServices.Unavailable(reason);
        }
    }

    protected override async Task<IReadOnlyList<string>> DependencySettingsAsync(string folder)
    {
        await redis.InitializeAsync();
        await mariaDb.InitializeAsync();
        if (mariaDb.UnavailableReason is not null)
        {
            return [];
        }

        return [$"--ConnectionStrings:redis={redis.ConnectionString}", $"--ConnectionStrings:omniflowdb={await mariaDb.CreateDatabaseAsync()}"];
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await redis.DisposeAsync();
        await mariaDb.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class RealServicesCollection : ICollectionFixture<RealServicesSystem>
{
    public const string Name = "OmniFlow system on Redis and MariaDB";
}
