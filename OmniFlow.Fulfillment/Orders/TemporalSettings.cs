using Microsoft.Extensions.Configuration;
using Temporalio.Client;

namespace OmniFlow.Fulfillment.Orders;

/// <summary>The <c>Temporal</c> configuration section shared by the Api and the Worker.</summary>
public sealed class TemporalSettings
{
    public const string Section = "Temporal";

    /// <summary>The connection string an Aspire AppHost hands over (<c>ConnectionStrings:temporal</c>): the frontend's address.</summary>
    public const string ConnectionName = "temporal";

    public string Address { get; set; } = "127.0.0.1:7233";

    public string Namespace { get; set; } = "default";

    /// <summary>Where order workflows and their activities run (the Worker).</summary>
    public string TaskQueue { get; set; } = "omniflow-orders";

    /// <summary>
    /// Where the stock movements (reserve, release) run when inventory workers of their own serve them; unset, the order
    /// worker runs them itself (the reservation as a local activity).
    /// </summary>
    public string? InventoryTaskQueue { get; set; }

    /// <summary>Where the activities that touch the admission gate run (the Api, which owns the gate).</summary>
    public string GateTaskQueue { get; set; } = "omniflow-gate";

    /// <summary>How many workflow runs the Worker keeps in memory between their tasks (the SDK's sticky cache).</summary>
    public int MaxCachedWorkflows { get; set; } = 10_000;

    /// <summary>
    /// How calls to Temporal are compressed: <c>gzip</c> or <c>none</c>. Unset, none when Temporal answers on this machine
    /// (a loopback address), where compressing each call only spends CPU, else gzip, the SDK's default.
    /// </summary>
    public string? Compression { get; set; }

    /// <summary>The connection's compression, from <see cref="Compression"/> and the address.</summary>
    public GrpcCompression GrpcCompression() => Compression?.Trim().ToLowerInvariant() switch
    {
        null or "" => IsLoopback(Address) ? new GrpcCompression.None() : new GrpcCompression.Gzip(),
        "gzip" => new GrpcCompression.Gzip(),
        "none" => new GrpcCompression.None(),
        _ => throw new InvalidOperationException($"{Section}:{nameof(Compression)} is '{Compression}'; it must be gzip or none."),
    };

    /// <summary>Whether <paramref name="address"/> (host:port, an IPv6 host in brackets) is this machine.</summary>
    private static bool IsLoopback(string address) => Uri.TryCreate($"http://{address}", UriKind.Absolute, out var uri) && uri.IsLoopback;

    /// <summary><c>Temporal:Address</c> wins over <c>ConnectionStrings:temporal</c>; without either, the local default.</summary>
    public static TemporalSettings From(IConfiguration configuration)
    {
        var settings = configuration.GetSection(Section).Get<TemporalSettings>() ?? new TemporalSettings();
        if (string.IsNullOrWhiteSpace(configuration[$"{Section}:{nameof(Address)}"]) &&
            configuration.GetConnectionString(ConnectionName) is { Length: > 0 } address)
        {
            settings.Address = address;
        }

        return settings;
    }
}

/// <summary>The <c>Orders</c> configuration section: the settings each order workflow is started with.</summary>
public sealed class OrdersSettings
{
    public const string Section = "Orders";

    public decimal AuditThreshold { get; set; } = 10_000m;

    public TimeSpan AuditTimeout { get; set; } = TimeSpan.FromHours(24);

    public TimeSpan PaymentTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// How long the Api waits for an order's workflow to answer a payment or an audit (a Worker must take the update);
    /// past it the request is answered 503, and the same request again picks up the same update.
    /// </summary>
    public TimeSpan UpdateTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How many orders an Api takes through the gate and the start of their workflow at once; the rest wait their turn.
    /// A crowd that all went at once would queue the gate's Redis calls behind its own requests in the thread pool, past
    /// the gate's timeout, and be answered 503 while Redis is idle (bench/results.md).
    /// </summary>
    public int MaxAdmissionsInFlight { get; set; } = 64;

    /// <summary>How long an order waits its turn for <see cref="MaxAdmissionsInFlight"/> before it is answered 503 (nothing reserved).</summary>
    public TimeSpan AdmissionQueueTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public static OrdersSettings From(IConfiguration configuration)
    {
        var settings = configuration.GetSection(Section).Get<OrdersSettings>() ?? new OrdersSettings();
        return settings.MaxAdmissionsInFlight < 1 ? throw new InvalidOperationException($"{Section}:{nameof(MaxAdmissionsInFlight)} must be at least 1.")
            : settings.AdmissionQueueTimeout <= TimeSpan.Zero ? throw new InvalidOperationException($"{Section}:{nameof(AdmissionQueueTimeout)} must be positive.")
            : settings;
    }

    public OrderWorkflowOptions ToWorkflowOptions(TemporalSettings temporal, bool notifications = false) =>
        new(AuditThreshold, AuditTimeout, PaymentTimeout, temporal.GateTaskQueue, Notifications: notifications,
            InventoryTaskQueue: string.IsNullOrWhiteSpace(temporal.InventoryTaskQueue) ? null : temporal.InventoryTaskQueue);
}
