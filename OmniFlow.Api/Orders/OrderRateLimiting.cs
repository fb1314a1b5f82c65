using System.Globalization;
using System.Threading.RateLimiting;
using OmniFlow.Api.Infrastructure;

namespace OmniFlow.Api.Orders;

/// <summary>
/// <c>Sales:RateLimit:PermitLimit</c> orders per <c>Sales:RateLimit:Window</c> for each user (user id, else client
/// address), so one client cannot starve a sale. Off unless both are configured. It runs as an endpoint filter, after
/// the body is read, because the user id lives in the body.
/// </summary>
public sealed class OrderRateLimiting : IEndpointFilter, IDisposable
{
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
        var window = section.GetValue<TimeSpan?>("Window");
        return permitLimit is > 0 && window > TimeSpan.Zero ? new OrderRateLimiting(permitLimit.Value, window.Value) : null;
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
            context.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(window.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            return ApiProblems.Create(StatusCodes.Status429TooManyRequests, "Too Many Requests",
                "Too many orders from this client; slow down.", "rate limit exceeded");
        }

        return await next(context);
    }

    public void Dispose() => limiter.Dispose();
}
