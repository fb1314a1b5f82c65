using Microsoft.EntityFrameworkCore;
using OmniFlow.Fulfillment.Persistence;

namespace OmniFlow.Fulfillment.Notifications;

/// <summary>Each delivery's row (one per event and target): written at every attempt, read by the admin endpoint.</summary>
public sealed class NotificationStore(IDbContextFactory<OmniFlowDbContext> contexts, TimeProvider time)
{
    /// <summary>Writes an attempt's outcome (<paramref name="attempt"/> counts from 1); giving up changes only the status.</summary>
    public async Task RecordAsync(NotificationTarget target, OrderEvent e, int attempt, string status, string? error, CancellationToken cancellationToken)
    {
        for (var tries = 1; ; tries++)
        {
            try
            {
                await using var context = await contexts.CreateDbContextAsync(cancellationToken);
                var row = await context.NotificationDeliveries.SingleOrDefaultAsync(d => d.EventId == e.Id && d.Target == target.Name, cancellationToken);
                if (row is null)
                {
                    row = new NotificationDelivery
                    {
                        EventId = e.Id,
                        Target = target.Name,
                        OrderId = e.OrderId,
                        EventType = e.Type,
                        Channel = target.Channel,
                        OccurredAt = new DateTimeOffset(DateTime.SpecifyKind(e.OccurredAt, DateTimeKind.Utc)),
                        Status = status,
                    };
                    context.NotificationDeliveries.Add(row);
                }

                row.Status = status;
                if (status != NotificationDelivery.GivenUp)
                {
                    row.Attempts = Math.Max(row.Attempts, attempt);
                    row.LastError = error is { Length: > 500 } ? error[..500] : error;
                    row.LastAttemptAt = time.GetStorageNow();
                }

                await context.SaveChangesAsync(cancellationToken);
                return;
            }
            catch (DbUpdateException failure) when (DatabaseErrors.IsDuplicateKey(failure) && tries < 3)
            {
                // An attempt that outlived its timeout wrote the row meanwhile: update it instead.
            }
        }
    }

    /// <summary>The order's deliveries, in the order its events happened.</summary>
    public async Task<IReadOnlyList<NotificationDelivery>> ListAsync(string orderId, CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await context.NotificationDeliveries.AsNoTracking().Where(d => d.OrderId == orderId).ToListAsync(cancellationToken);
        return [.. rows.OrderBy(d => d.OccurredAt).ThenBy(d => d.EventId, StringComparer.Ordinal).ThenBy(d => d.Target, StringComparer.Ordinal)];
    }
}
