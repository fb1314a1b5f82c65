#:sdk Microsoft.NET.Sdk.Web
#:package SmtpServer

// What the notification bench delivers to: webhooks (any POST answered 200) and an SMTP server that accepts every
// mail; GET /count answers "<webhooks> <mails>". dotnet run -c Release bench/notification-sink.cs -- <http port> <smtp port>
using System.Buffers;
using System.Net;
using SmtpServer;
using SmtpServer.Protocol;
using SmtpServer.Storage;

var webhooks = 0L;
var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.UseUrls($"http://127.0.0.1:{args[0]}");
var app = builder.Build();
app.MapPost("/{endpoint}", () =>
{
    Interlocked.Increment(ref webhooks);
    return Results.Ok();
});
app.MapGet("/count", () => $"{Interlocked.Read(ref webhooks)} {Interlocked.Read(ref Mails.Count)}");

var smtpOptions = new SmtpServerOptionsBuilder().ServerName("localhost")
    .Endpoint(endpoint => endpoint.Endpoint(new IPEndPoint(IPAddress.Loopback, int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture)))).Build();
var smtpServices = new SmtpServer.ComponentModel.ServiceProvider();
smtpServices.Add(new Mails());
var smtp = new SmtpServer.SmtpServer(smtpOptions, smtpServices).StartAsync(app.Lifetime.ApplicationStopping);
await app.RunAsync();
await smtp;

internal sealed class Mails : MessageStore
{
    public static long Count;

    public override Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Count);
        return Task.FromResult(SmtpResponse.Ok);
    }
}
