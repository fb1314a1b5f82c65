using Microsoft.Extensions.Hosting;

namespace OmniFlow.AppHost.Local;

public static class ParentStateExtensions
{
    /// <summary>
    /// The child takes its parent's state (Starting, Running, Exited...) whenever the parent's changes, so that
    /// <c>WaitFor(child)</c> and the dashboard work as for a database on a container. Aspire does this only for
    /// children of containers; here the parent is an executable.
    /// </summary>
    public static IResourceBuilder<T> WithStateOfParent<T>(this IResourceBuilder<T> builder) where T : IResourceWithParent
    {
        var child = builder.Resource;
        builder.ApplicationBuilder.Eventing.Subscribe<InitializeResourceEvent>(child, (@event, cancellationToken) =>
        {
            var stopping = @event.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
            _ = Task.Run(async () =>
            {
                await foreach (var change in @event.Notifications.WatchAsync(stopping))
                {
                    if (ReferenceEquals(change.Resource, child.Parent))
                    {
                        await @event.Notifications.PublishUpdateAsync(child, snapshot => snapshot with
                        {
                            State = change.Snapshot.State,
                            StartTimeStamp = change.Snapshot.StartTimeStamp,
                            StopTimeStamp = change.Snapshot.StopTimeStamp,
                        });
                    }
                }
            }, stopping);
            return Task.CompletedTask;
        });
        return builder;
    }
}
