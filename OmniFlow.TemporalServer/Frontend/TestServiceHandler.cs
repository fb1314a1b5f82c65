using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;
using Google.Protobuf.WellKnownTypes;
using OmniFlow.TemporalServer.Hosting;
using OmniFlow.TemporalServer.Time;
using Temporalio.Api.TestService.V1;

namespace OmniFlow.TemporalServer.Frontend;

/// <summary>temporal.api.testservice.v1.TestService: the time-skipping controls.</summary>
public sealed class TestServiceHandler : ServiceHandler, IDescribedService
{
    public static ServiceDescriptor Descriptor => ServiceReflection.Descriptor.Services[0];

    public TestServiceHandler(SchedulingClock clock)
        : base(Persistence.NoStateStore.Instance)
    {
        Map<LockTimeSkippingRequest, LockTimeSkippingResponse>("LockTimeSkipping", _ =>
        {
            clock.LockSkipping();
            return new LockTimeSkippingResponse();
        });
        Map<UnlockTimeSkippingRequest, UnlockTimeSkippingResponse>("UnlockTimeSkipping", _ =>
            clock.UnlockSkipping()
                ? new UnlockTimeSkippingResponse()
                : throw Engine.Errors.FailedPrecondition("Time skipping is not locked."));
        // Sleep and SleepUntil wait for the clock as it runs (skipping only if something else unlocked it), as the
        // reference test server does; UnlockTimeSkippingWithSleep (the SDK's environment delay) lets it skip meanwhile.
        Map<SleepRequest, SleepResponse>("Sleep", async (request, context) =>
        {
            await clock.WaitUntilAsync(clock.Now + request.Duration.ToTimeSpan(), context.CancellationToken);
            return new SleepResponse();
        });
        Map<SleepUntilRequest, SleepResponse>("SleepUntil", async (request, context) =>
        {
            await clock.WaitUntilAsync(request.Timestamp.ToDateTimeOffset(), context.CancellationToken);
            return new SleepResponse();
        });
        Map<SleepRequest, SleepResponse>("UnlockTimeSkippingWithSleep", async (request, context) =>
        {
            await clock.UnlockUntilAsync(clock.Now + request.Duration.ToTimeSpan(), context.CancellationToken);
            return new SleepResponse();
        });
        Map<Empty, GetCurrentTimeResponse>("GetCurrentTime", _ =>
            new GetCurrentTimeResponse { Time = Timestamp.FromDateTimeOffset(clock.Now) });
    }
}
