using Microsoft.Extensions.Options;
using OmniFlow.Fulfillment.Admission;
using OmniFlow.Fulfillment.Admission.InProcess;

namespace OmniFlow.Tests.Admission;

public sealed class InProcessAdmissionGateTests : AdmissionGateContract
{
    protected override Task<IAdmissionGate> CreateGateAsync(AdmissionOptions options) =>
        Task.FromResult<IAdmissionGate>(new InProcessAdmissionGate(Options.Create(options), TestTelemetry.Create()));

    [Fact]
    public async Task An_admission_is_forgotten_after_its_ttl()
    {
        var clock = new ManualClock();
        var gate = new InProcessAdmissionGate(Options.Create(new AdmissionOptions { AdmissionTtl = TimeSpan.FromHours(1) }), TestTelemetry.Create(), clock);
        await gate.SetStockAsync("phone", 5, Cancellation);
        var kept = NewOrderId();
        var expired = NewOrderId();
        Assert.True((await gate.TryAdmitAsync(expired, "u-1", One("phone"), Cancellation)).Admitted);
        clock.Advance(TimeSpan.FromMinutes(59));
        Assert.True((await gate.TryAdmitAsync(kept, "u-2", One("phone"), Cancellation)).Admitted);
        clock.Advance(TimeSpan.FromMinutes(2));

        Assert.False(await gate.ReleaseAsync(expired, Cancellation));
        Assert.True(await gate.ReleaseAsync(kept, Cancellation));
        Assert.Equal(4, await gate.GetStockAsync("phone", Cancellation));
    }

    [Fact]
    public async Task A_sold_out_sku_is_answered_by_the_local_cache()
    {
        var telemetry = TestTelemetry.Create();
        var gate = new InProcessAdmissionGate(Options.Create(new AdmissionOptions()), telemetry);
        await gate.SetStockAsync("phone", 1, Cancellation);
        Assert.True((await gate.TryAdmitAsync(NewOrderId(), "u-1", One("phone"), Cancellation)).Admitted);

        using var hits = new CounterRecorder(telemetry, "omniflow.admission.l0_hits");
        var result = await gate.TryAdmitAsync(NewOrderId(), "u-2", One("phone"), Cancellation);

        Assert.Equal(AdmissionOutcome.SoldOut, result.Outcome);
        Assert.Equal(1, hits.Total);
    }

    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset now = new(2026, 11, 24, 8, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => now;

        public void Advance(TimeSpan by) => now += by;
    }
}
