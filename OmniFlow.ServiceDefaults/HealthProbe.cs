namespace Microsoft.Extensions.Hosting;

/// <summary>
/// <c>dotnet OmniFlow.Api.dll --health-probe http://127.0.0.1:8080/health</c>: one GET, exit code 0 on a 2xx and 1
/// otherwise, without building the web host. A container health check that needs no curl or wget, which
/// the SDK-built images (mcr.microsoft.com/dotnet/aspnet, chiseled or not) do not have.
/// </summary>
public static class HealthProbe
{
    public const string Argument = "--health-probe";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    /// <summary>True when the process was started to probe rather than to serve.</summary>
    public static bool IsRequested(string[] args) => args.Length > 0 && args[0] == Argument;

    /// <summary>Probes the URL after <see cref="Argument"/> (default <c>http://127.0.0.1:8080/health</c>) and returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var target = args.Length > 1 ? args[1] : "http://127.0.0.1:8080/health";
        if (!Uri.TryCreate(target, UriKind.Absolute, out var uri))
        {
            await Console.Error.WriteLineAsync($"health probe: '{target}' is not an absolute URL");
            return 1;
        }

        using var client = new HttpClient { Timeout = Timeout };
        try
        {
            using var response = await client.GetAsync(uri);
            Console.WriteLine($"health probe: {uri} answered {(int)response.StatusCode}");
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            await Console.Error.WriteLineAsync($"health probe: {uri} failed: {exception.Message}");
            return 1;
        }
    }
}
