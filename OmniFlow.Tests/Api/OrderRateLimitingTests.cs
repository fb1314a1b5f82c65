using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using OmniFlow.Api;
using OmniFlow.Fulfillment.Persistence;
using OmniFlow.Tests.Infrastructure;

namespace OmniFlow.Tests.Api;

/// <summary>
/// <c>Sales:RateLimit</c> over real HTTP. The Api runs without Temporal and the orders name an unknown sku: every order
/// the limiter lets through is a 404, every one it stops a 429.
/// </summary>
public sealed class OrderRateLimitingTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task One_setting_limits_each_client_and_leaving_out_the_user_id_does_not_escape_it()
    {
        await using var api = await ApiHost.StartAsync("--Sales:RateLimit:PermitLimit=3");

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.NotFound, (await api.OrderAsync(userId: null)).StatusCode);
        }

        using var anonymous = await api.OrderAsync(userId: null);
        var problem = await Problems.AssertProblemAsync(anonymous, HttpStatusCode.TooManyRequests);
        Assert.Equal("rate limit exceeded", problem.GetProperty("error").GetString());
        var retryAfter = anonymous.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.NotFound, (await api.OrderAsync("greedy")).StatusCode);
        }

        await Problems.AssertProblemAsync(await api.OrderAsync("greedy"), HttpStatusCode.TooManyRequests);
        Assert.Equal(HttpStatusCode.NotFound, (await api.OrderAsync("patient")).StatusCode);
    }

    [Fact]
    public async Task The_window_can_be_set_too()
    {
        await using var api = await ApiHost.StartAsync("--Sales:RateLimit:PermitLimit=2", "--Sales:RateLimit:Window=00:10:00");

        Assert.Equal(HttpStatusCode.NotFound, (await api.OrderAsync("u-1")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.OrderAsync("u-1")).StatusCode);
        using var limited = await api.OrderAsync("u-1");

        await Problems.AssertProblemAsync(limited, HttpStatusCode.TooManyRequests);
        Assert.InRange(limited.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(10));
    }

    [Fact]
    public async Task Off_unless_configured()
    {
        await using var api = await ApiHost.StartAsync();

        for (var i = 0; i < 40; i++)
        {
            Assert.Equal(HttpStatusCode.NotFound, (await api.OrderAsync(userId: null)).StatusCode);
        }
    }

    private sealed class ApiHost(WebApplication app, HttpClient http, ScratchDirectory folder) : IAsyncDisposable
    {
        public static async Task<ApiHost> StartAsync(params string[] settings)
        {
            var folder = new ScratchDirectory("omniflow-rate-");
            var app = ApiApp.Build(
            [
                "--environment=Development",
                "--urls=http://127.0.0.1:0",
                $"--ConnectionStrings:omniflowdb=Data Source={folder.File("db")}",
                $"--Temporal:Address=127.0.0.1:{ApiHostTests.ClosedPort()}",
                "--Logging:LogLevel:Default=None",
                .. settings,
            ]);
            await app.Services.MigrateOmniFlowDatabaseAsync(Cancellation);
            await app.StartAsync(Cancellation);
            return new ApiHost(app, new HttpClient { BaseAddress = new Uri(app.Urls.First()) }, folder);
        }

        public Task<HttpResponseMessage> OrderAsync(string? userId) => http.PostAsync("/api/v1/orders",
            new StringContent(userId is null ? """{"items": ["NO-SUCH"]}""" : $$"""{"user_id": "{{userId}}", "items": ["NO-SUCH"]}""", Encoding.UTF8, "application/json"),
            Cancellation);

        public async ValueTask DisposeAsync()
        {
            http.Dispose();
            await app.StopAsync(Cancellation);
            await app.DisposeAsync();
            folder.Dispose();
        }
    }
}
