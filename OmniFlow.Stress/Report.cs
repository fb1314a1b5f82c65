using System.Text.Json;
using System.Text.Json.Serialization;

namespace OmniFlow.Stress;

/// <summary>The run's outcome, for people (text) and for scripts (one JSON line, printed last).</summary>
public sealed record Report(StressOptions Options, LoadResult Load, InvariantOutcome Invariant, PaymentResult? Payments = null, PaymentOutcome? PaidOrders = null)
{
    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public bool Passed => Invariant.Holds && FailingServerErrors == 0 && PaidOrders?.Holds != false;

    /// <summary>The 5xx answers that fail the run: all of them, or all but 503 while an outage is expected.</summary>
    public long FailingServerErrors => Load.ServerErrors - (Options.ExpectOutage ? Load.Unavailable : 0);

    public int ExitCode => Passed ? 0 : 1;

    /// <summary>From the first request until every admitted order was reserved and stored.</summary>
    public TimeSpan EndToEnd => Load.Elapsed + Invariant.SettledAfter;

    public double OrdersPerSecond => Load.Admitted / Math.Max(EndToEnd.TotalSeconds, 1e-9);

    public string ToText()
    {
        var latency = Load.Latency;
        var codes = string.Join("  ", Load.StatusCodes.OrderBy(pair => pair.Key)
            .Select(pair => $"{(pair.Key == LoadResult.NoResponse ? "no response" : pair.Key.ToString())}: {pair.Value}"));
        var snapshot = Invariant.Snapshot;
        var lines = new List<string>
        {
            $"target        {Options.Url}  sku {Options.Sku}  stock {Options.Stock}  concurrency {Options.Concurrency}",
            $"requests      {Load.Requests} in {Load.Elapsed.TotalSeconds:0.00} s = {Load.RequestsPerSecond:0} req/s",
            $"latency       p50 {Ms(latency.ValueAtPercentile(50))}  p90 {Ms(latency.ValueAtPercentile(90))}  " +
            $"p99 {Ms(latency.ValueAtPercentile(99))}  max {Ms(latency.Max)}",
            $"status codes  {codes}",
            $"admitted      {Load.Admitted}",
            snapshot is null
                ? "store         unreadable"
                : $"store         gate sold {snapshot.GateSold}, database reserved {snapshot.DatabaseReserved}, database orders {snapshot.DatabaseOrders}",
            $"settled       {Invariant.SettledAfter.TotalSeconds:0.0} s after the load; end to end {OrdersPerSecond:0.0} orders/s " +
            $"(admitted / (load + settle) = {Load.Admitted} / {EndToEnd.TotalSeconds:0.00} s)",
            Invariant.Holds
                ? "invariant     holds: admitted = gate sold = reserved = orders"
                : $"invariant     VIOLATED: {string.Join("; ", Invariant.Violations)}",
        };
        if (Payments is not null)
        {
            var answers = string.Join("  ", Payments.Answers.Values.GroupBy(code => code).OrderBy(group => group.Key)
                .Select(group => $"{(group.Key == PaymentResult.NoDefiniteAnswer ? "none" : group.Key.ToString())}: {group.Count()}"));
            var sent = Payments.SentAfterAdmission;
            lines.Add($"payments      {Payments.Answers.Count} orders paid; answers {answers}; {Payments.Retries} retries after 503 or no answer; " +
                      $"first sent p50 {Ms(sent.ValueAtPercentile(50))}, max {Ms(sent.Max)} after admission");
        }

        if (PaidOrders is not null)
        {
            var statuses = string.Join(", ", PaidOrders.FinalStatuses.OrderBy(pair => pair.Key).Select(pair => $"{pair.Key} {pair.Value}"));
            lines.Add(PaidOrders.Holds
                ? $"paid orders   kept: {statuses}"
                : $"paid orders   VIOLATED: {string.Join("; ", PaidOrders.Violations)} ({statuses})");
        }

        if (Load.ServerErrors > 0)
        {
            lines.Add(Options.ExpectOutage && FailingServerErrors == 0
                ? $"server errors {Load.ServerErrors} (503, expected during the outage)"
                : $"server errors {Load.ServerErrors} (5xx)");
            lines.AddRange((Load.ServerErrorReasons ?? new Dictionary<string, long>()).OrderByDescending(pair => pair.Value).Take(5)
                .Select(pair => $"              {pair.Value} × {pair.Key}"));
        }

        lines.Add(Passed ? "result        PASS" : "result        FAIL");
        return string.Join(Environment.NewLine, lines);
    }

    public string ToJson() => JsonSerializer.Serialize(new JsonLine(
        Options.Url.ToString(), Options.Sku, Options.Stock, Options.Concurrency, Load.Requests,
        Math.Round(Load.Elapsed.TotalSeconds, 3), Math.Round(Load.RequestsPerSecond, 1),
        Load.Latency.ValueAtPercentile(50), Load.Latency.ValueAtPercentile(90), Load.Latency.ValueAtPercentile(99), Load.Latency.Max,
        Load.StatusCodes.OrderBy(pair => pair.Key).ToDictionary(pair => pair.Key.ToString(), pair => pair.Value),
        Load.Admitted, Invariant.Snapshot?.GateSold, Invariant.Snapshot?.DatabaseReserved, Invariant.Snapshot?.DatabaseOrders,
        Math.Round(Invariant.SettledAfter.TotalSeconds, 3), Math.Round(OrdersPerSecond, 1),
        Invariant.Holds, Invariant.Violations, Load.ServerErrors,
        Payments?.Answers.Values.GroupBy(code => code).ToDictionary(group => group.Key.ToString(), group => group.Count()),
        PaidOrders?.FinalStatuses, PaidOrders?.Violations, Passed), JsonOptions);

    private static string Ms(long microseconds) => $"{microseconds / 1000.0:0.0} ms";

    private sealed record JsonLine(
        string Url, string Sku, int Stock, int Concurrency, long Requests, double ElapsedSeconds, double RequestsPerSecond,
        [property: JsonPropertyName("p50_us")] long P50Us,
        [property: JsonPropertyName("p90_us")] long P90Us,
        [property: JsonPropertyName("p99_us")] long P99Us,
        [property: JsonPropertyName("max_us")] long MaxUs,
        Dictionary<string, long> StatusCodes, long Admitted, int? GateSold, int? DatabaseReserved, int? DatabaseOrders,
        double SettleSeconds, double OrdersPerSecond, bool InvariantHolds, IReadOnlyList<string> Violations, long ServerErrors,
        Dictionary<string, int>? PaymentAnswers, IReadOnlyDictionary<string, int>? PaidOrderStatuses, IReadOnlyList<string>? PaymentViolations, bool Passed);
}
