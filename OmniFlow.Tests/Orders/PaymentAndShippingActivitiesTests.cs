using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OmniFlow.Fulfillment.Admission;
using OmniFlow.Fulfillment.Inventory;
using OmniFlow.Fulfillment.Orders;
using OmniFlow.Fulfillment.Payments;
using OmniFlow.Fulfillment.Shipping;
using Temporalio.Exceptions;
using Temporalio.Testing;

namespace OmniFlow.Tests.Orders;

public sealed class PaymentAndShippingActivitiesTests
{
    [Fact]
    public async Task A_retried_capture_moves_the_money_once()
    {
        var activities = new PaymentActivities(new FakePaymentProvider(NullLogger<FakePaymentProvider>.Instance));
        var request = new CapturePaymentRequest("ORDER-1", "pay-1", 100m);

        var first = await new ActivityEnvironment().RunAsync(() => activities.CapturePaymentAsync(request));
        var retried = await new ActivityEnvironment().RunAsync(() => activities.CapturePaymentAsync(request));

        Assert.Equal(first.Reference, retried.Reference);
        Assert.Equal(100m, first.Amount);
    }

    [Fact]
    public async Task A_declined_capture_is_a_non_retryable_failure()
    {
        var activities = new PaymentActivities(new FakePaymentProvider(NullLogger<FakePaymentProvider>.Instance));

        var failure = await Assert.ThrowsAsync<ApplicationFailureException>(() =>
            new ActivityEnvironment().RunAsync(() => activities.CapturePaymentAsync(new("ORDER-1", FakePaymentProvider.DeclinedPrefix + "1", 100m))));

        Assert.True(failure.NonRetryable);
        Assert.Equal(PaymentActivities.DeclinedErrorType, failure.ErrorType);
    }

    [Fact]
    public async Task Refunds_are_keyed_per_payment()
    {
        var activities = new PaymentActivities(new FakePaymentProvider(NullLogger<FakePaymentProvider>.Instance));

        var one = await new ActivityEnvironment().RunAsync(() => activities.RefundPaymentAsync(new("ORDER-1", "pay-1", 100m, "test")));
        var oneAgain = await new ActivityEnvironment().RunAsync(() => activities.RefundPaymentAsync(new("ORDER-1", "pay-1", 100m, "test")));
        var two = await new ActivityEnvironment().RunAsync(() => activities.RefundPaymentAsync(new("ORDER-1", "pay-2", 100m, "test")));

        Assert.Equal(one.Reference, oneAgain.Reference);
        Assert.NotEqual(one.Reference, two.Reference);
    }

    [Fact]
    public async Task The_fake_carrier_ships_once_and_refuses_configured_warehouses()
    {
        var options = new OptionsMonitorStub(new ShippingOptions { FailWarehouses = ["BROKEN"] });
        var activities = new ShippingActivities(new FakeCarrier(options, NullLogger<FakeCarrier>.Instance));
        var request = new ShipmentRequest("ORDER-1", "SH", [new StockLine("SKU-A", 1)]);

        var first = await new ActivityEnvironment().RunAsync(() => activities.ShipAsync(request));
        var retried = await new ActivityEnvironment().RunAsync(() => activities.ShipAsync(request));
        Assert.Equal(first.TrackingNumber, retried.TrackingNumber);

        var failure = await Assert.ThrowsAsync<ApplicationFailureException>(() =>
            new ActivityEnvironment().RunAsync(() => activities.ShipAsync(request with { Warehouse = "broken" })));
        Assert.True(failure.NonRetryable);
        Assert.Equal(ShippingActivities.RejectedErrorType, failure.ErrorType);
    }

    [Fact]
    public async Task Releasing_an_admission_twice_gives_it_back_once()
    {
        var gate = new Fulfillment.Admission.InProcess.InProcessAdmissionGate(
            Options.Create(new AdmissionOptions()), Admission.TestTelemetry.Create());
        await gate.SetStockAsync("SKU-A", 1, TestContext.Current.CancellationToken);
        Assert.True((await gate.TryAdmitAsync("ORDER-1", "u-1", [new StockLine("SKU-A", 1)], TestContext.Current.CancellationToken)).Admitted);
        var activities = new AdmissionActivities(gate);

        Assert.True(await new ActivityEnvironment().RunAsync(() => activities.ReleaseAdmissionAsync("ORDER-1")));
        Assert.False(await new ActivityEnvironment().RunAsync(() => activities.ReleaseAdmissionAsync("ORDER-1")));
        Assert.Equal(1, await gate.GetStockAsync("SKU-A", TestContext.Current.CancellationToken));
    }

    private sealed class OptionsMonitorStub(ShippingOptions value) : IOptionsMonitor<ShippingOptions>
    {
        public ShippingOptions CurrentValue => value;

        public ShippingOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<ShippingOptions, string?> listener) => null;
    }
}
