namespace OmniFlow.AppHost.Hosting.Health;

/// <summary>An HTTP endpoint that answers 2xx (Aspire's <c>WithHttpHealthCheck</c>).</summary>
public sealed class HttpHealthCheck(Uri uri) : IHealthCheck, IDisposable
{
    private readonly HttpClient client = new() { Timeout = TimeSpan.FromSeconds(5) };

    public async Task<bool> IsHealthyAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await client.GetAsync(uri, cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    public void Dispose() => client.Dispose();
}
