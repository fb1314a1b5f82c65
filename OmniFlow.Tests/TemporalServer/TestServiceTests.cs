using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using OmniFlow.Tests.TemporalServer.Infrastructure;
using Temporalio.Api.TestService.V1;
using Temporalio.Exceptions;

namespace OmniFlow.Tests.TemporalServer;

/// <summary>The time-skipping TestService called directly: Sleep, SleepUntil, and unlocking what is not locked.</summary>
[Collection(TemporalServerCollection.Name)]
public sealed class TestServiceTests(TimeSkippingServerFixture fixture) : IDisposable
{
    private readonly ServerHarness _harness = new(fixture.Environment, fixture.Logs);

    public void Dispose() => _harness.Dispose();

    private Temporalio.Client.TestService Service => _harness.Client.Connection.TestService;

    private async Task<DateTimeOffset> NowAsync() => (await Service.GetCurrentTimeAsync(new Empty())).Time.ToDateTimeOffset();

    [Fact]
    public async Task Sleep_skips_the_clock_forward_by_the_duration_without_waiting()
    {
        var before = await NowAsync();
        var stopwatch = Stopwatch.StartNew();
        await Service.SleepAsync(new SleepRequest { Duration = Duration.FromTimeSpan(TimeSpan.FromHours(2)) });

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(2), $"took {stopwatch.Elapsed}");
        Assert.True(await NowAsync() - before >= TimeSpan.FromHours(2));
    }

    [Fact]
    public async Task Sleep_until_skips_the_clock_to_the_timestamp_without_waiting()
    {
        var until = await NowAsync() + TimeSpan.FromHours(5);
        var stopwatch = Stopwatch.StartNew();
        await Service.SleepUntilAsync(new SleepUntilRequest { Timestamp = Timestamp.FromDateTimeOffset(until) });

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(2), $"took {stopwatch.Elapsed}");
        Assert.True(await NowAsync() >= until);
    }

    [Fact]
    public async Task Unlocking_time_skipping_that_is_not_locked_is_a_failed_precondition()
    {
        // The environment keeps skipping locked between calls: the first unlock releases it, the second has nothing to release.
        await Service.UnlockTimeSkippingAsync(new UnlockTimeSkippingRequest());
        try
        {
            var error = await Assert.ThrowsAsync<RpcException>(() => Service.UnlockTimeSkippingAsync(new UnlockTimeSkippingRequest()));
            Assert.Equal(RpcException.StatusCode.FailedPrecondition, error.Code);
        }
        finally
        {
            await Service.LockTimeSkippingAsync(new LockTimeSkippingRequest());
        }
    }
}
