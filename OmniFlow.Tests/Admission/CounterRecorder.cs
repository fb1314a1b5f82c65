using System.Diagnostics.Metrics;
using OmniFlow.Fulfillment.Admission;

namespace OmniFlow.Tests.Admission;

/// <summary>Adds up one counter of one gate's telemetry while it lives.</summary>
internal sealed class CounterRecorder : IDisposable
{
    private readonly MeterListener listener = new();
    private long total;

    public CounterRecorder(AdmissionTelemetry telemetry, string instrumentName)
    {
        listener.InstrumentPublished = (instrument, meterListener) =>
        {
            if (instrument.Meter == telemetry.Meter && instrument.Name == instrumentName)
            {
                meterListener.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, measurement, _, _) => Interlocked.Add(ref total, measurement));
        listener.Start();
    }

    public long Total => Interlocked.Read(ref total);

    public void Dispose() => listener.Dispose();
}
