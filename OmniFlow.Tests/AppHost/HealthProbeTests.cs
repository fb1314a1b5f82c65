using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using OmniFlow.AppHost.Local;

namespace OmniFlow.Tests.AppHost;

/// <summary>
/// <c>dotnet OmniFlow.Api.dll --health-probe URL</c> (and the Worker's), as the compose health checks run it:
/// exit code 0 when the endpoint answers 2xx, 1 when it answers otherwise or nothing listens.
/// </summary>
public sealed class HealthProbeTests
{
    [Theory]
    [InlineData("api")]
    [InlineData("worker")]
    public async Task The_probe_exits_0_when_the_endpoint_is_healthy_and_1_when_not(string project)
    {
        var assembly = (project == "api" ? typeof(OmniFlow.Api.ApiApp) : typeof(OmniFlow.Worker.OrderWorkerApp)).Assembly.Location;
        using var healthy = TinyEndpoint.Start("200 OK");
        using var unhealthy = TinyEndpoint.Start("503 Service Unavailable");
        var closed = LocalMachine.FreePort();

        Assert.Equal(0, await ProbeAsync(assembly, $"http://127.0.0.1:{healthy.Port}/health"));
        Assert.Equal(1, await ProbeAsync(assembly, $"http://127.0.0.1:{unhealthy.Port}/health"));
        Assert.Equal(1, await ProbeAsync(assembly, $"http://127.0.0.1:{closed}/health"));
        Assert.Equal(["/health", "/health"], healthy.Paths.Concat(unhealthy.Paths));
    }

    private static async Task<int> ProbeAsync(string assembly, string url)
    {
        using var probe = Process.Start(new ProcessStartInfo("dotnet", [assembly, "--health-probe", url])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = probe.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var errors = probe.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await probe.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(30));
        await Task.WhenAll(output, errors);
        return probe.ExitCode;
    }

    /// <summary>Answers every request on a loopback port with one fixed status line.</summary>
    private sealed class TinyEndpoint : IDisposable
    {
        private readonly TcpListener listener = new(IPAddress.Loopback, 0);
        private readonly string status;

        private TinyEndpoint(string status) => this.status = status;

        public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

        public List<string> Paths { get; } = [];

        public static TinyEndpoint Start(string status)
        {
            var endpoint = new TinyEndpoint(status);
            endpoint.listener.Start();
            _ = endpoint.ServeAsync();
            return endpoint;
        }

        public void Dispose() => listener.Dispose();

        private async Task ServeAsync()
        {
            try
            {
                while (true)
                {
                    using var client = await listener.AcceptTcpClientAsync();
                    using var reader = new StreamReader(client.GetStream(), Encoding.ASCII, leaveOpen: true);
                    var requestLine = await reader.ReadLineAsync() ?? string.Empty;
                    while (!string.IsNullOrEmpty(await reader.ReadLineAsync()))
                    {
                        // Headers.
                    }

                    lock (Paths)
                    {
                        Paths.Add(requestLine.Split(' ').ElementAtOrDefault(1) ?? string.Empty);
                    }

                    await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
                }
            }
            catch (Exception exception) when (exception is ObjectDisposedException or SocketException or IOException)
            {
                // Stopped.
            }
        }
    }
}
