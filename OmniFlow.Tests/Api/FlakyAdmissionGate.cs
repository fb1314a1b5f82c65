using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using OmniFlow.Fulfillment.Admission;
using OmniFlow.Fulfillment.Inventory;
using StackExchange.Redis;

namespace OmniFlow.Tests.Api;

/// <summary>
/// The Api's real admission gate, except that setting the stock of a sku named in <see cref="FailSetStock"/> fails as an
/// unreachable Redis does, and admissions of a sku named in <see cref="Hold"/> wait until it is let go. Everything else
/// passes through.
/// </summary>
public sealed class FlakyAdmissionGate(IAdmissionGate inner) : IAdmissionGate
{
    private readonly ConcurrentDictionary<string, bool> failing = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, HeldAdmissions> held = new(StringComparer.Ordinal);

    /// <summary>Wraps whatever <see cref="IAdmissionGate"/> the Api registered.</summary>
    public static void Install(IServiceCollection services)
    {
        var real = services.Last(descriptor => descriptor.ServiceType == typeof(IAdmissionGate));
        services.Remove(real);
        services.AddSingleton(provider => new FlakyAdmissionGate(Create(real, provider)));
        services.AddSingleton<IAdmissionGate>(provider => provider.GetRequiredService<FlakyAdmissionGate>());
    }

    public void FailSetStock(string sku) => failing[sku] = true;

    public void Heal(string sku) => failing.TryRemove(sku, out _);

    /// <summary>Admissions of <paramref name="sku"/> wait at the gate, counted, until the returned hold lets them go.</summary>
    public HeldAdmissions Hold(string sku) => held[sku] = new HeldAdmissions();

    public async ValueTask<AdmissionResult> TryAdmitAsync(string orderId, string? userId, IReadOnlyList<StockLine> lines, CancellationToken cancellationToken = default)
    {
        if (lines.Select(line => held.GetValueOrDefault(line.Sku)).FirstOrDefault(hold => hold is not null) is { } hold)
        {
            await hold.WaitAsync();
        }

        return await inner.TryAdmitAsync(orderId, userId, lines, cancellationToken);
    }

    public string? KnownSoldOut(IReadOnlyList<StockLine> lines) => inner.KnownSoldOut(lines);

    public Task<AdmissionResult?> RecallAsync(string orderId, string? userId, IReadOnlyList<StockLine> lines, CancellationToken cancellationToken = default) =>
        inner.RecallAsync(orderId, userId, lines, cancellationToken);

    public Task<bool> ReleaseAsync(string orderId, CancellationToken cancellationToken = default) => inner.ReleaseAsync(orderId, cancellationToken);

    public Task SetStockAsync(string sku, int stock, CancellationToken cancellationToken = default) =>
        failing.ContainsKey(sku)
            ? throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, CommandFlags.None, "No connection is active/available to service this operation (test).", null, CommandStatus.Unknown)
            : inner.SetStockAsync(sku, stock, cancellationToken);

    public Task<int?> GetStockAsync(string sku, CancellationToken cancellationToken = default) => inner.GetStockAsync(sku, cancellationToken);

    private static IAdmissionGate Create(ServiceDescriptor descriptor, IServiceProvider provider) =>
        (IAdmissionGate)(descriptor.ImplementationInstance
            ?? descriptor.ImplementationFactory?.Invoke(provider)
            ?? ActivatorUtilities.CreateInstance(provider, descriptor.ImplementationType!));
}

/// <summary>Admissions kept waiting at the gate: how many wait now, the most that ever waited at once, and the release.</summary>
public sealed class HeldAdmissions
{
    private readonly TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock counts = new();
    private int waiting;
    private int mostAtOnce;

    public int Waiting
    {
        get { lock (counts) { return waiting; } }
    }

    public int MostAtOnce
    {
        get { lock (counts) { return mostAtOnce; } }
    }

    public void LetGo() => released.TrySetResult();

    internal async Task WaitAsync()
    {
        lock (counts)
        {
            mostAtOnce = Math.Max(mostAtOnce, ++waiting);
        }

        try
        {
            await released.Task;
        }
        finally
        {
            lock (counts)
            {
                waiting--;
            }
        }
    }
}
