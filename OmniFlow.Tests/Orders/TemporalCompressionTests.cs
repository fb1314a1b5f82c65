using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OmniFlow.Fulfillment.Orders;
using Temporalio.Client;

namespace OmniFlow.Tests.Orders;

/// <summary>Calls to a Temporal on this machine go uncompressed; to any other, gzip, unless <c>Temporal:Compression</c> says.</summary>
public sealed class TemporalCompressionTests
{
    [Theory]
    [InlineData("127.0.0.1:7233", null, false)]
    [InlineData("localhost:7233", null, false)]
    [InlineData("[::1]:7233", null, false)]
    [InlineData("temporal.example.com:7233", null, true)]
    [InlineData("10.0.4.12:7233", null, true)]
    [InlineData("[2001:db8::1]:7233", null, true)]
    [InlineData("127.0.0.1:7233", "gzip", true)]
    [InlineData("temporal.example.com:7233", " None ", false)]
    public void Unset_it_follows_the_address_and_a_setting_overrides_it(string address, string? compression, bool gzip)
    {
        var settings = new TemporalSettings { Address = address, Compression = compression };

        Assert.IsType(gzip ? typeof(GrpcCompression.Gzip) : typeof(GrpcCompression.None), settings.GrpcCompression());
    }

    [Fact]
    public void A_setting_that_names_no_compression_stops_the_start()
    {
        var error = Assert.Throws<InvalidOperationException>(() => ClientHost("127.0.0.1:7233", "zip"));

        Assert.Contains("Temporal:Compression", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "")]
    [InlineData("gzip", "gzip")]
    public async Task The_client_the_services_use_sends_what_the_setting_chose(string? compression, string encoding)
    {
        var seen = new ConcurrentQueue<string>();
        await using var frontend = await StartRecordingFrontendAsync(seen);
        using var host = ClientHost($"127.0.0.1:{PortOf(frontend)}", compression);

        // The frontend answers UNIMPLEMENTED: connecting fails after the first call has been seen.
        await Assert.ThrowsAnyAsync<Exception>(() => host.Services.GetRequiredService<ITemporalClient>().Connection.ConnectAsync());

        Assert.NotEmpty(seen);
        Assert.All(seen, header => Assert.Equal(encoding, header));
    }

    private static IHost ClientHost(string address, string? compression)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection([new("Temporal:Address", address), new("Temporal:Compression", compression)]);
        builder.AddOmniFlowTemporalClient();
        return builder.Build();
    }

    /// <summary>An HTTP/2 endpoint that notes each call's <c>grpc-encoding</c> and answers UNIMPLEMENTED.</summary>
    private static async Task<WebApplication> StartRecordingFrontendAsync(ConcurrentQueue<string> seen)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        var app = builder.Build();
        app.Run(context =>
        {
            seen.Enqueue(context.Request.Headers["grpc-encoding"].ToString());
            context.Response.ContentType = "application/grpc";
            context.Response.AppendTrailer("grpc-status", "12");
            return Task.CompletedTask;
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        return app;
    }

    private static int PortOf(WebApplication app) =>
        new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single()).Port;
}
