using System.Text.Json;

namespace OmniFlow.Tests.WholeSystem;

/// <summary>A span as the Aspire dashboard's telemetry API (<c>/api/telemetry/traces</c>, OTLP JSON) returns it.</summary>
public sealed record DashboardSpan(string Service, string Name, string TraceId, string SpanId, string? ParentSpanId, Dictionary<string, string> Attributes);

public static class DashboardTraces
{
    /// <summary>Every span of the trace whose <c>StartWorkflow:OrderWorkflow</c> started <paramref name="order"/>, once its workflow completed.</summary>
    public static async Task<List<DashboardSpan>> WaitForOrderTraceAsync(HttpClient dashboard, string order, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        List<DashboardSpan> trace = [];
        while (DateTime.UtcNow < deadline)
        {
            var spans = await ReadAsync(dashboard);
            var start = spans.FirstOrDefault(span => span.Name == "StartWorkflow:OrderWorkflow" &&
                                                     span.Attributes.GetValueOrDefault("temporalWorkflowID") == order);
            trace = start is null ? [] : [.. spans.Where(span => span.TraceId == start.TraceId)];
            if (trace.Any(span => span.Name == "CompleteWorkflow:OrderWorkflow"))
            {
                return trace;
            }

            await Task.Delay(1000, TestContext.Current.CancellationToken);
        }

        Assert.Fail($"no complete trace of {order} on the dashboard after {timeout.TotalSeconds} s; found: {string.Join(", ", trace.Select(span => span.Name))}");
        return trace;
    }

    private static async Task<List<DashboardSpan>> ReadAsync(HttpClient dashboard)
    {
        using var response = await dashboard.GetAsync("/api/telemetry/traces?limit=500", TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"GET {dashboard.BaseAddress}api/telemetry/traces answered {(int)response.StatusCode}: {body}");
        var document = JsonDocument.Parse(body).RootElement;
        var spans = new List<DashboardSpan>();
        foreach (var resourceSpans in document.GetProperty("data").GetProperty("resourceSpans").EnumerateArray())
        {
            var service = Attributes(resourceSpans.GetProperty("resource")).GetValueOrDefault("service.name", "?");
            foreach (var scope in resourceSpans.GetProperty("scopeSpans").EnumerateArray())
            {
                foreach (var span in scope.GetProperty("spans").EnumerateArray())
                {
                    spans.Add(new DashboardSpan(service, span.GetProperty("name").GetString()!, span.GetProperty("traceId").GetString()!,
                        span.GetProperty("spanId").GetString()!,
                        span.TryGetProperty("parentSpanId", out var parent) ? parent.GetString() : null, Attributes(span)));
                }
            }
        }

        return spans;
    }

    private static Dictionary<string, string> Attributes(JsonElement element) =>
        element.TryGetProperty("attributes", out var attributes)
            ? attributes.EnumerateArray().ToDictionary(
                attribute => attribute.GetProperty("key").GetString()!,
                attribute => attribute.GetProperty("value").EnumerateObject().FirstOrDefault().Value.ToString())
            : [];
}
