using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Abstractions;
using Microsoft.AspNetCore.Http.Features;

namespace OmniFlow.Api.Orders;

/// <summary>
/// The server (Kestrel) with <see cref="SoldOutDoor"/> between it and ASP.NET Core's hosting. A request the door may
/// answer meets it before the hosting layer creates its HttpContext, span and metrics; whatever the door does not
/// answer then goes in exactly as it would have. Any other request goes in at once.
/// </summary>
/// <param name="door">Made when the server starts: building the host already reads the server's features.</param>
public sealed class ServerWithSoldOutDoor(IServer server, Func<SoldOutDoor> door) : IServer
{
    public IFeatureCollection Features => server.Features;

    public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken) where TContext : notnull =>
        server.StartAsync(new Doorway<TContext>(application, door()), cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => server.StopAsync(cancellationToken);

    public void Dispose() => server.Dispose();

    /// <summary>A request at the door: the hosting layer's context for it once it has gone in.</summary>
    private sealed class Visit<TContext>
    {
        public IFeatureCollection Features = null!;

        public TContext? Inside;

        public bool WentIn;
    }

    private sealed class Doorway<TContext>(IHttpApplication<TContext> application, SoldOutDoor door) : IHttpApplication<Visit<TContext>>
        where TContext : notnull
    {
        public Visit<TContext> CreateContext(IFeatureCollection features)
        {
            // The server keeps one per connection, as it would the hosting layer's own context.
            var visit = features is IHostContextContainer<Visit<TContext>> container ? container.HostContext ??= new() : new();
            visit.Features = features;
            if (!SoldOutDoor.MayAnswer(features))
            {
                GoIn(visit);
            }

            return visit;
        }

        public Task ProcessRequestAsync(Visit<TContext> visit) =>
            visit.WentIn ? application.ProcessRequestAsync(visit.Inside!) : AtTheDoorAsync(visit);

        public void DisposeContext(Visit<TContext> visit, Exception? exception)
        {
            if (visit.WentIn)
            {
                application.DisposeContext(visit.Inside!, exception);
            }

            visit.Features = null!;
            visit.Inside = default;
            visit.WentIn = false;
        }

        private async Task AtTheDoorAsync(Visit<TContext> visit)
        {
            if (!await door.TryAnswerAsync(visit.Features))
            {
                await application.ProcessRequestAsync(GoIn(visit));
            }
        }

        private TContext GoIn(Visit<TContext> visit)
        {
            visit.Inside = application.CreateContext(visit.Features);
            visit.WentIn = true;
            return visit.Inside;
        }
    }
}
