using Microsoft.EntityFrameworkCore;

namespace OmniFlow.Fulfillment.Persistence;

/// <summary>Hands out the provider's context as the provider-neutral <see cref="OmniFlowDbContext"/>.</summary>
internal sealed class OmniFlowDbContextFactory<TContext>(IDbContextFactory<TContext> inner) : IDbContextFactory<OmniFlowDbContext>
    where TContext : OmniFlowDbContext
{
    public OmniFlowDbContext CreateDbContext() => inner.CreateDbContext();

    public async Task<OmniFlowDbContext> CreateDbContextAsync(CancellationToken cancellationToken = default) =>
        await inner.CreateDbContextAsync(cancellationToken);
}
