using System.Globalization;
using System.Threading.RateLimiting;
using OmniFlow.Api.Infrastructure;

namespace OmniFlow.Api.Orders;

/// <summary>
/// <c>Sales:RateLimit:PermitLimit</c> orders per <c>Sales:RateLimit:Window</c> (default one minute) for each client: its
/// user id, else its address, so leaving out the user id does not escape the limit. Off unless PermitLimit is configured.
/// It runs as an endpoint filter, after the body is read, because the user id lives in the body.
/// </summary>
public sealed class OrderRateLimiting : IEndpointFilter, IDisposable
{
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromMinutes(1);

    private readonly PartitionedRateLimiter<string> limiter;
    private readonly TimeSpan window;

    private OrderRateLimiting(int permitLimit, TimeSpan window)
    {
        this.window = window;
        limiter = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permitLimit,
            Window = window,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    }

    public static OrderRateLimiting? From(IConfiguration configuration)
    {
        var section = configuration.GetSection("Sales:RateLimit");
        var permitLimit = section.GetValue<int?>("PermitLimit");
        if (permitLimit is not > 0)
        {
            return null;
        }

        var window = section.GetValue<TimeSpan?>("Window") ?? DefaultWindow;
        return window > TimeSpan.Zero
            ? new OrderRateLimiting(permitLimit.Value, window)
            : throw new InvalidOperationException("Sales:RateLimit:Window must be positive (for example 00:01:00).");
    }

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.Arguments.OfType<CreateOrderRequest>().FirstOrDefault();
        var key = request?.UserId is { Length: > 0 } userId
            ? "user:" + userId
            : "address:" + (context.HttpContext.Connection.RemoteIpAddress?.ToString() ?? "unknown");
        using var lease = limiter.AttemptAcquire(key);
        if (!lease.IsAcquired)
        {
            var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var untilNextWindow) ? untilNextWindow : window;
            context.HttpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            return ApiProblems.Create(StatusCodes.Status429TooManyRequests, "Too Many Requests",
                "Too many orders from this client; slow down.", "rate limit exceeded");
        }

        return await next(context);
    }

    public void Dispose() => limiter.Dispose();
}
