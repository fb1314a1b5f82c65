using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using OmniFlow.Fulfillment.Admission;

namespace OmniFlow.Tests.Admission;

internal static class TestTelemetry
{
    /// <summary>Telemetry on a meter of its own, so a test's counters see only its own gate.</summary>
    public static AdmissionTelemetry Create() =>
        new(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>());
}
