using OmniFlow.Stress;

namespace OmniFlow.Tests.Stress;

public sealed class InvariantCheckTests
{
    [Fact]
    public void Agreement_everywhere_holds() =>
        Assert.Empty(InvariantCheck.Evaluate(10, 10, new StoreSnapshot(GateSold: 10, DatabaseReserved: 10, DatabaseOrders: 10)));

    [Fact]
    public void Nothing_sold_and_nothing_admitted_holds() =>
        Assert.Empty(InvariantCheck.Evaluate(0, 0, new StoreSnapshot(0, 0, 0)));

    [Fact]
    public void Oversell_is_a_violation()
    {
        var violations = InvariantCheck.Evaluate(10, 11, new StoreSnapshot(11, 11, 11));

        Assert.Single(violations, violation => violation.StartsWith("oversell", StringComparison.Ordinal));
    }

    [Fact]
    public void Each_disagreement_is_named()
    {
        Assert.Contains(InvariantCheck.Evaluate(10, 9, new StoreSnapshot(10, 10, 10)), violation => violation.Contains("gate sold 10"));
        Assert.Contains(InvariantCheck.Evaluate(10, 10, new StoreSnapshot(10, 9, 9)), violation => violation.Contains("database reserved 9"));
        Assert.Contains(InvariantCheck.Evaluate(10, 10, new StoreSnapshot(10, 10, 12)), violation => violation.Contains("holds 12 orders"));
    }

    [Fact]
    public void Orders_that_gave_their_unit_back_are_not_counted_as_sold()
    {
        Assert.Empty(InvariantCheck.Evaluate(10, 10, new StoreSnapshot(GateSold: 7, DatabaseReserved: 7, DatabaseOrders: 10, ReleasedOrders: 3)));
        Assert.Contains(InvariantCheck.Evaluate(10, 10, new StoreSnapshot(10, 10, 10, ReleasedOrders: 3)), violation => violation.Contains("7 orders hold one"));
    }

    [Fact]
    public void An_accepted_payment_that_ended_refunded_or_unfinished_is_a_violation()
    {
        Assert.Empty(PaymentCheck.Evaluate(new Dictionary<string, int> { ["COMPLETED"] = 5 }));
        Assert.Contains(PaymentCheck.Evaluate(new Dictionary<string, int> { ["COMPLETED"] = 5, ["CANCELLED"] = 1, ["FAILED"] = 1 }),
            violation => violation.StartsWith("2 orders", StringComparison.Ordinal));
        Assert.Contains(PaymentCheck.Evaluate(new Dictionary<string, int> { ["PAID"] = 2 }), violation => violation.Contains("did not complete"));
    }
}
