using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace OmniFlow.Fulfillment.Persistence;

/// <summary>Healthy when the database of record answers; registered as "omniflowdb" by AddOmniFlowDatabase.</summary>
public sealed class DatabaseHealthCheck(IDbContextFactory<OmniFlowDbContext> contexts) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await using var database = await contexts.CreateDbContextAsync(cancellationToken);
        return await database.Database.CanConnectAsync(cancellationToken)
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("The database of record does not answer.");
    }
}
