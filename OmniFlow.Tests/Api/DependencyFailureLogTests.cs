using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using OmniFlow.Api.Infrastructure;
using StackExchange.Redis;

namespace OmniFlow.Tests.Api;

/// <summary>An outage is logged once per dependency and interval, without a stack trace, however many requests it fails.</summary>
public sealed class DependencyFailureLogTests
{
    private readonly FakeTimeProvider time = new(DateTimeOffset.Parse("2026-12-02T10:00:00Z"));
    private readonly FakeLogger<DependencyFailureLog> logger = new();

    [Fact]
    public void A_burst_of_failures_of_one_dependency_is_one_line_without_a_stack_trace()
    {
        var log = new DependencyFailureLog(logger, time);

        for (var i = 0; i < 500; i++)
        {
            log.Report(new RedisException("No connection is active/available"));
            time.Advance(TimeSpan.FromMilliseconds(10));
        }

        var line = Assert.Single(logger.Collector.GetSnapshot());
        Assert.Equal(LogLevel.Warning, line.Level);
        Assert.Null(line.Exception);
        Assert.Contains("Redis is unavailable", line.Message);
    }

    [Fact]
    public void Each_dependency_and_each_interval_gets_its_own_line()
    {
        var log = new DependencyFailureLog(logger, time);

        log.Report(new RedisException("down"));
        log.Report(new InvalidOperationException("transient", new TimeoutException("database")));
        log.Report(new RedisException("slow"));
        time.Advance(DependencyFailureLog.Interval);
        log.Report(new RedisException("still down"));

        Assert.Equal(["Redis", "the database", "Redis"], logger.Collector.GetSnapshot().Select(line => line.Message.Split(" is unavailable")[0]));
    }

    [Fact]
    public void Only_dependency_failures_count_as_outages()
    {
        Assert.True(DependencyFailureLog.IsDependencyFailure(new InvalidOperationException("wrapped", new TimeoutException())));
        Assert.False(DependencyFailureLog.IsDependencyFailure(new InvalidOperationException("a bug")));
        Assert.False(DependencyFailureLog.IsDependencyFailure(new ArgumentException("bad input")));
    }
}
