using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using OmniFlow.Tests.TemporalServer.Infrastructure;
using OmniFlow.Tests.TemporalServer.Workflows;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.TestService.V1;
using Temporalio.Exceptions;

namespace OmniFlow.Tests.TemporalServer;

/// <summary>
/// The time-skipping TestService called directly, as the reference test server answers it: Sleep and SleepUntil wait
/// for the clock as it runs, UnlockTimeSkippingWithSleep skips to its end and no further, and unlocking what is not
/// locked is refused. The environment keeps skipping locked between calls (it unlocks while awaiting a result).
/// </summary>
[Collection(TemporalServerCollection.Name)]
public sealed class TestServiceTests(TimeSkippingServerFixture fixture) : IDisposable
{
    private readonly ServerHarness _harness = new(fixture.Environment, fixture.Logs);

    public void Dispose() => _harness.Dispose();

    private Temporalio.Client.TestService Service => _harness.Client.Connection.TestService;

    private async Task<DateTimeOffset> NowAsync() => (await Service.GetCurrentTimeAsync(new Empty())).Time.ToDateTimeOffset();

    private async Task WhileUnlockedAsync(Func<Task> body)
    {
        await Service.UnlockTimeSkippingAsync(new UnlockTimeSkippingRequest());
        try
        {
            await body();
        }
        finally
        {
            await Service.LockTimeSkippingAsync(new LockTimeSkippingRequest());
        }
    }

    [Fact]
    public async Task Sleep_while_skipping_is_locked_waits_on_the_real_clock()
    {
        var stopwatch = Stopwatch.StartNew();
        await Service.SleepAsync(new SleepRequest { Duration = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(300)) });

        Assert.True(stopwatch.Elapsed >= TimeSpan.FromMilliseconds(250), $"took {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task Sleep_while_skipping_is_unlocked_skips_the_clock_forward_by_the_duration()
    {
        var before = await NowAsync();
        var stopwatch = Stopwatch.StartNew();
        await WhileUnlockedAsync(() => Service.SleepAsync(new SleepRequest { Duration = Duration.FromTimeSpan(TimeSpan.FromHours(2)) }));

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(2), $"took {stopwatch.Elapsed}");
        Assert.True(await NowAsync() - before >= TimeSpan.FromHours(2));
    }

    [Fact]
    public async Task Sleep_until_while_skipping_is_unlocked_skips_the_clock_to_the_timestamp()
    {
        var until = await NowAsync() + TimeSpan.FromHours(5);
        var stopwatch = Stopwatch.StartNew();
        await WhileUnlockedAsync(() => Service.SleepUntilAsync(new SleepUntilRequest { Timestamp = Timestamp.FromDateTimeOffset(until) }));

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(2), $"took {stopwatch.Elapsed}");
        Assert.True(await NowAsync() >= until);
    }

    [Fact]
    public async Task Unlock_with_sleep_skips_to_its_end_but_not_on_to_a_later_timer()
    {
        await _harness.WithWorkerAsync(o => o.AddWorkflow<SleeperWorkflow>(), async () =>
        {
            var handle = await _harness.Client.StartWorkflowAsync((SleeperWorkflow wf) => wf.RunAsync(), _harness.Options());
            for (var i = 0; i < 100 && !(await _harness.EventTypesAsync(handle)).Contains(EventType.TimerStarted); i++)
            {
                await Task.Delay(20);
            }

            var before = await NowAsync();
            for (var i = 0; i < 5; i++)
            {
                await fixture.Environment.DelayAsync(TimeSpan.FromMinutes(1));
            }

            var skipped = await NowAsync() - before;
            Assert.True(skipped >= TimeSpan.FromMinutes(5) && skipped < TimeSpan.FromHours(1), $"skipped {skipped}");
            Assert.DoesNotContain(EventType.TimerFired, await _harness.EventTypesAsync(handle));
            await handle.TerminateAsync();
        });
    }

    [Fact]
    public async Task Unlocking_time_skipping_that_is_not_locked_is_a_failed_precondition()
    {
        await WhileUnlockedAsync(async () =>
        {
            var error = await Assert.ThrowsAsync<RpcException>(() => Service.UnlockTimeSkippingAsync(new UnlockTimeSkippingRequest()));
            Assert.Equal(RpcException.StatusCode.FailedPrecondition, error.Code);
        });
    }
}
