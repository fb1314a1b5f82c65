using System.Collections.Concurrent;
using System.Data.Common;
using OmniFlow.Fulfillment.Inventory;
using OmniFlow.Fulfillment.Persistence;

namespace OmniFlow.Api.Infrastructure;

/// <summary>
/// Logs a dependency outage (Temporal, the database, Redis) once per dependency and interval, without a stack trace:
/// while a dependency is down every request fails the same way, and a log line per request would bury the logs.
/// </summary>
public sealed partial class DependencyFailureLog(ILogger<DependencyFailureLog> logger, TimeProvider time)
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, Window> windows = new();

    /// <summary>Whether <paramref name="exception"/> (or what it wraps) says a dependency is unreachable rather than that the request is wrong.</summary>
    public static bool IsDependencyFailure(Exception exception) => Cause(exception) is not null;

    public void Report(Exception exception)
    {
        var cause = Cause(exception) ?? exception;
        var dependency = cause switch
        {
            Temporalio.Exceptions.RpcException => "Temporal",
            StackExchange.Redis.RedisException or StackExchange.Redis.RedisTimeoutException => "Redis",
            _ => "the database",
        };
        var now = time.GetUtcNow();
        var window = windows.AddOrUpdate(dependency, _ => new Window(now, 0), (_, open) => now - open.Opened < Interval ? open with { Suppressed = open.Suppressed + 1 } : new Window(now, 0));
        if (window.Suppressed == 0)
        {
            LogUnavailable(dependency, cause.GetType().Name, cause.Message);
        }
    }

    private static Exception? Cause(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is Temporalio.Exceptions.RpcException or DbException or DatabaseBusyException or StackExchange.Redis.RedisException or TimeoutException)
            {
                return current;
            }
        }

        return null;
    }

    private sealed record Window(DateTimeOffset Opened, long Suppressed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Dependency} is unavailable; requests that need it are answered 503 ({Error}: {Reason}). Repeats are not logged for 10 s.")]
    private partial void LogUnavailable(string dependency, string error, string reason);
}
