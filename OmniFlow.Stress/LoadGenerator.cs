using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Serialization;
using System.Text;

namespace OmniFlow.Stress;

/// <summary>What the load produced.</summary>
/// <param name="ServerErrorReasons">The 5xx answers by their problem detail.</param>
public sealed record LoadResult(long Requests, TimeSpan Elapsed, LatencyHistogram Latency, IReadOnlyDictionary<int, long> StatusCodes,
    IReadOnlyDictionary<string, long>? ServerErrorReasons = null)
{
    /// <summary>Status code 0 counts requests that got no HTTP answer (connection errors, timeouts).</summary>
    public const int NoResponse = 0;

    public double RequestsPerSecond => Requests / Math.Max(Elapsed.TotalSeconds, 1e-9);

    public long Admitted => StatusCodes.GetValueOrDefault(200);

    public long ServerErrors => StatusCodes.Where(pair => pair.Key >= 500).Sum(pair => pair.Value);

    public long Unavailable => StatusCodes.GetValueOrDefault(503);
}

/// <summary>
/// Fires <c>POST /api/v1/orders</c> from <c>concurrency</c> loops over keep-alive connections (one connection per loop at
/// most), recording each request's latency and status, with a live progress line on stderr. Each admitted order is
/// offered to the <paramref name="payer"/>, when there is one.
/// </summary>
public sealed class LoadGenerator(StressOptions options, HttpClient http, Payer? payer = null)
{
    private static readonly MediaTypeHeaderValue JsonType = new("application/json");

    private readonly string runId = Guid.NewGuid().ToString("N")[..8];
    private readonly long[] statusCounts = new long[600];
    private readonly LatencyHistogram latency = new();
    private readonly ConcurrentDictionary<string, long> serverErrorReasons = new();
    private long issued;
    private long completed;

    public static SocketsHttpHandler CreateHandler(int concurrency) => new()
    {
        MaxConnectionsPerServer = concurrency,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        ConnectTimeout = TimeSpan.FromSeconds(10),
        UseCookies = false,
        UseProxy = false,
        AutomaticDecompression = System.Net.DecompressionMethods.None,
    };

    public async Task<LoadResult> RunAsync(CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        using var deadline = options.Duration is { } duration ? new CancellationTokenSource(duration) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        using var progress = new Timer(_ => WriteProgress(stopwatch.Elapsed), null, TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(500));
        var loops = Enumerable.Range(0, options.Concurrency).Select(_ => Task.Run(() => LoopAsync(linked.Token), CancellationToken.None));
        await Task.WhenAll(loops);
        stopwatch.Stop();
        WriteProgress(stopwatch.Elapsed);
        Console.Error.WriteLine();

        var codes = statusCounts.Select((count, code) => (code, count)).Where(pair => pair.count > 0)
            .ToDictionary(pair => pair.code, pair => pair.count);
        return new LoadResult(Interlocked.Read(ref completed), stopwatch.Elapsed, latency, codes, serverErrorReasons);
    }

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var index = Interlocked.Increment(ref issued) - 1;
            if (options.Duration is null && index >= options.Requests)
            {
                return;
            }

            var started = Stopwatch.GetTimestamp();
            int status;
            try
            {
                using var content = new ByteArrayContent(Body(index));
                content.Headers.ContentType = JsonType;
                using var response = await http.PostAsync("api/v1/orders", content, CancellationToken.None);
                await response.Content.LoadIntoBufferAsync(CancellationToken.None);
                status = (int)response.StatusCode;
                if (payer is not null && status == 200)
                {
                    var admission = await response.Content.ReadFromJsonAsync<Admission>(CancellationToken.None);
                    payer.Offer(admission!.OrderId);
                }
                else if (status >= 500)
                {
                    serverErrorReasons.AddOrUpdate(await ReasonAsync(response), 1, (_, count) => count + 1);
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or IOException)
            {
                status = LoadResult.NoResponse;
            }

            latency.Record((long)Stopwatch.GetElapsedTime(started).TotalMicroseconds);
            Interlocked.Increment(ref statusCounts[Math.Clamp(status, 0, statusCounts.Length - 1)]);
            Interlocked.Increment(ref completed);
        }
    }

    private byte[] Body(long index)
    {
        var user = options.Users is { } users ? $"u-{index % users}" : $"u-{runId}-{index}";
        return Encoding.UTF8.GetBytes($$"""{"user_id":"{{user}}","items":["{{options.Sku}}"],"amount":{{options.Price}}}""");
    }

    private void WriteProgress(TimeSpan elapsed)
    {
        var done = Interlocked.Read(ref completed);
        var rate = done / Math.Max(elapsed.TotalSeconds, 1e-9);
        var target = options.Duration is { } duration ? $"{elapsed.TotalSeconds:0}/{duration.TotalSeconds:0}s" : $"{done}/{options.Requests}";
        Console.Error.Write(
            $"\r{target}  {rate,8:0} req/s  200:{Interlocked.Read(ref statusCounts[200])}  429:{Interlocked.Read(ref statusCounts[429])}  " +
            $"5xx:{statusCounts.Skip(500).Sum()}  errors:{Interlocked.Read(ref statusCounts[0])}   ");
    }

    private sealed record Admission([property: JsonPropertyName("order_id")] string OrderId);

    private static async Task<string> ReasonAsync(HttpResponseMessage response)
    {
        try
        {
            return (await response.Content.ReadFromJsonAsync<Problem>(CancellationToken.None))?.Detail ?? $"{(int)response.StatusCode} without a detail";
        }
        catch (System.Text.Json.JsonException)
        {
            return $"{(int)response.StatusCode} without a problem body";
        }
    }

    private sealed record Problem([property: JsonPropertyName("detail")] string? Detail);
}
