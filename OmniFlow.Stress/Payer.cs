using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;

namespace OmniFlow.Stress;

/// <summary>
/// The payments made: each paid order's definite answer (0 when none came before the payer gave up), and how long after
/// its admission each payment was first sent (microseconds).
/// </summary>
public sealed record PaymentResult(IReadOnlyDictionary<string, int> Answers, long Retries, LatencyHistogram SentAfterAdmission)
{
    public const int NoDefiniteAnswer = 0;

    public IEnumerable<string> Accepted => Answers.Where(pair => pair.Value == 200).Select(pair => pair.Key);
}

/// <summary>
/// Pays a share of the admitted orders while the sale runs, as a payment provider would: each payment signed for its
/// order, sent again with the same payment id while the answer is not definite (503, no answer), until it is or the
/// settle timeout has passed since the first try.
/// </summary>
public sealed class Payer(StressOptions options, HttpClient http)
{
    /// <summary>Payments in flight at most (and connections).</summary>
    public const int Workers = 1000;
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);
    private static readonly MediaTypeHeaderValue JsonType = new("application/json");

    private readonly Channel<(string OrderId, long AdmittedAt)> admitted = Channel.CreateUnbounded<(string, long)>();
    private readonly LatencyHistogram sentAfterAdmission = new();
    private readonly ConcurrentDictionary<string, int> answers = new();
    private readonly byte[] secret = Encoding.UTF8.GetBytes(options.WebhookSecret);
    private long offered;
    private long retries;

    /// <summary>Called for every admitted order; pays <see cref="StressOptions.PayShare"/> of them, spread evenly.</summary>
    public void Offer(string orderId)
    {
        var n = Interlocked.Increment(ref offered);
        if (Math.Floor(n * options.PayShare) > Math.Floor((n - 1) * options.PayShare))
        {
            admitted.Writer.TryWrite((orderId, Stopwatch.GetTimestamp()));
        }
    }

    /// <summary>Pays every order offered until <see cref="PaymentResult"/> is asked for by <see cref="FinishAsync"/>.</summary>
    public Task RunAsync() => Task.WhenAll(Enumerable.Range(0, Workers).Select(_ => Task.Run(PayOfferedAsync)));

    public async Task<PaymentResult> FinishAsync(Task running)
    {
        admitted.Writer.TryComplete();
        await running;
        return new PaymentResult(answers, Interlocked.Read(ref retries), sentAfterAdmission);
    }

    private async Task PayOfferedAsync()
    {
        await foreach (var (orderId, admittedAt) in admitted.Reader.ReadAllAsync())
        {
            sentAfterAdmission.Record((long)Stopwatch.GetElapsedTime(admittedAt).TotalMicroseconds);
            answers[orderId] = await PayAsync(orderId);
        }
    }

    private async Task<int> PayAsync(string orderId)
    {
        var giveUp = DateTime.UtcNow + options.SettleTimeout;
        var body = $$"""{"payment_id":"pay-{{orderId}}","amount":{{options.Price.ToString(System.Globalization.CultureInfo.InvariantCulture)}}}""";
        while (true)
        {
            var status = await SendAsync(orderId, body);
            if (status is not (PaymentResult.NoDefiniteAnswer or 503))
            {
                return status;
            }

            if (DateTime.UtcNow >= giveUp)
            {
                return PaymentResult.NoDefiniteAnswer;
            }

            Interlocked.Increment(ref retries);
            await Task.Delay(RetryDelay);
        }
    }

    private async Task<int> SendAsync(string orderId, string body)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"api/v1/orders/{Uri.EscapeDataString(orderId)}/pay")
            {
                Content = new StringContent(body, JsonType),
            };
            request.Headers.Add("X-Signature", Signature(orderId, body));
            using var response = await http.SendAsync(request);
            return (int)response.StatusCode;
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or IOException)
        {
            return PaymentResult.NoDefiniteAnswer;
        }
    }

    /// <summary>The provider's signature: <c>t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256 of "t.orderId.body"&gt;</c>.</summary>
    private string Signature(string orderId, string body)
    {
        var t = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var v1 = Convert.ToHexStringLower(HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes($"{t}.{orderId}.{body}")));
        return $"t={t},v1={v1}";
    }
}
