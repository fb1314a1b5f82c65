using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace OmniFlow.AppHost.Temporal;

/// <summary>Healthy when Temporal's frontend answers <c>WorkflowService/GetSystemInfo</c> (gRPC over h2c) with status 0.</summary>
internal sealed class TemporalHealthCheck(string address) : IHealthCheck
{
    private const string Method = "/temporal.api.workflowservice.v1.WorkflowService/GetSystemInfo";

    // An empty request message: not compressed, zero length.
    private static readonly byte[] EmptyRequestFrame = [0, 0, 0, 0, 0];

    private static readonly HttpClient Client = new(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(2) })
    {
        Timeout = TimeSpan.FromSeconds(5),
    };

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://{address}{Method}")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(EmptyRequestFrame),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        try
        {
            using var response = await Client.SendAsync(request, cancellationToken);
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            var status = response.TrailingHeaders.TryGetValues("grpc-status", out var trailer) ? trailer.FirstOrDefault()
                : response.Headers.TryGetValues("grpc-status", out var header) ? header.FirstOrDefault() : null;
            return response.IsSuccessStatusCode && status == "0"
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy($"GetSystemInfo answered HTTP {(int)response.StatusCode}, grpc-status {status ?? "none"}");
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or IOException)
        {
            return HealthCheckResult.Unhealthy(exception.Message);
        }
    }
}
