using System.Net;
using System.Net.Http.Headers;

namespace OmniFlow.AppHost.Hosting.Health;

/// <summary>Temporal's frontend answers the gRPC call WorkflowService/GetSystemInfo (h2c) with grpc-status 0.</summary>
public sealed class TemporalHealthCheck(string address) : IHealthCheck, IDisposable
{
    private const string Method = "/temporal.api.workflowservice.v1.WorkflowService/GetSystemInfo";

    // An empty GetSystemInfoRequest: not compressed, zero-length message.
    private static readonly byte[] EmptyRequestFrame = [0, 0, 0, 0, 0];

    private readonly HttpClient client = new(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(2) })
    {
        Timeout = TimeSpan.FromSeconds(5),
    };

    public async Task<bool> IsHealthyAsync(CancellationToken cancellationToken)
    {
        var (host, port) = HostPort.Parse(address, 7233);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://{host}:{port}{Method}")
        {
            // gRPC over cleartext HTTP/2 with prior knowledge (h2c).
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(EmptyRequestFrame),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        try
        {
            using var response = await client.SendAsync(request, cancellationToken);
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            var status = response.TrailingHeaders.TryGetValues("grpc-status", out var trailer)
                ? trailer.FirstOrDefault()
                : response.Headers.TryGetValues("grpc-status", out var header) ? header.FirstOrDefault() : null;
            return response.IsSuccessStatusCode && status == "0";
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or IOException)
        {
            return false;
        }
    }

    public void Dispose() => client.Dispose();
}
