using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace OmniFlow.AppHost.Local;

public static class HealthCheckExtensions
{
    /// <summary>Registers <paramref name="check"/> as the resource's health check (<c>{name}_check</c>): WaitFor waits for it.</summary>
    public static IResourceBuilder<T> WithHealthCheck<T>(this IResourceBuilder<T> builder, IHealthCheck check) where T : IResource
    {
        var key = $"{builder.Resource.Name}_check";
        builder.ApplicationBuilder.Services.AddHealthChecks().Add(new HealthCheckRegistration(key, _ => check, failureStatus: null, tags: null));
        return builder.WithHealthCheck(key);
    }
}
