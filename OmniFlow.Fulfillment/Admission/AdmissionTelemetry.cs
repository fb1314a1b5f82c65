using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace OmniFlow.Fulfillment.Admission;

/// <summary>The gate's ActivitySource and Meter, both named <c>OmniFlow.Admission</c>.</summary>
public sealed class AdmissionTelemetry
{
    public const string Name = "OmniFlow.Admission";

    public static readonly ActivitySource ActivitySource = new(Name);

    private readonly Counter<long> admitted;
    private readonly Counter<long> soldOut;
    private readonly Counter<long> userLimit;
    private readonly Counter<long> unknownSku;
    private readonly Counter<long> localHits;

    public AdmissionTelemetry(IMeterFactory meterFactory)
    {
        var meter = Meter = meterFactory.Create(Name);
        admitted = meter.CreateCounter<long>("omniflow.admission.admitted", "{order}", "Orders admitted by the gate.");
        soldOut = meter.CreateCounter<long>("omniflow.admission.sold_out", "{order}", "Orders turned away because a sku is sold out (local cache hits included).");
        userLimit = meter.CreateCounter<long>("omniflow.admission.user_limit", "{order}", "Orders turned away by the per-user limit.");
        unknownSku = meter.CreateCounter<long>("omniflow.admission.unknown_sku", "{order}", "Orders naming a sku the gate does not know.");
        localHits = meter.CreateCounter<long>("omniflow.admission.l0_hits", "{order}", "Orders answered sold out by the local cache, without a Redis round trip.");
    }

    internal Meter Meter { get; }

    internal void Record(AdmissionOutcome outcome)
    {
        var counter = outcome switch
        {
            AdmissionOutcome.Admitted => admitted,
            AdmissionOutcome.SoldOut => soldOut,
            AdmissionOutcome.UserLimitReached => userLimit,
            AdmissionOutcome.UnknownSku => unknownSku,
            _ => null,
        };
        counter?.Add(1);
    }

    /// <summary>An order turned away as sold out from the local cache, without a Redis round trip.</summary>
    public void RecordLocalSoldOut()
    {
        localHits.Add(1);
        soldOut.Add(1);
    }

    internal static Activity? StartActivity(string name, string orderId)
    {
        var activity = ActivitySource.StartActivity(name);
        activity?.SetTag("omniflow.order_id", orderId);
        return activity;
    }
}
