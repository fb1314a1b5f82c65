using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using OmniFlow.Api.Orders;
using OmniFlow.Fulfillment.Admission;

namespace OmniFlow.Tests.Api;

/// <summary>A crowd's "sold out" answers carry their trace id, but their request spans are neither enriched nor exported.</summary>
public sealed class RejectionTracingTests
{
    [Fact]
    public async Task A_sold_out_answer_names_its_trace_and_leaves_its_span_unrecorded_and_asking_for_no_data_so_nothing_enriches_or_exports_it()
    {
        using var source = new ActivitySource($"test-{Guid.NewGuid():N}");
        using var listener = new ActivityListener
        {
            ShouldListenTo = candidate => candidate == source,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        var rejections = new AdmissionRejections(Options.Create(new JsonOptions()));

        using var request = source.StartActivity("POST /api/v1/orders", ActivityKind.Server)!;
        var traceId = request.Id;
        Assert.True(request.Recorded);
        var context = new DefaultHttpContext { Response = { Body = new MemoryStream() } };
        await rejections.For(AdmissionOutcome.SoldOut, "SKU-1").ExecuteAsync(context);

        Assert.Equal(StatusCodes.Status429TooManyRequests, context.Response.StatusCode);
        var body = JsonSerializer.Deserialize<JsonElement>(((MemoryStream)context.Response.Body).ToArray());
        Assert.Equal(traceId, body.GetProperty("traceId").GetString());
        Assert.Equal("sold out", body.GetProperty("error").GetString());
        Assert.False(request.Recorded);
        Assert.False(request.IsAllDataRequested);

        using var admitted = source.StartActivity("POST /api/v1/orders", ActivityKind.Server)!;
        Assert.True(admitted.Recorded);
    }
}
