using Microsoft.Extensions.Hosting;

namespace OmniFlow.Fulfillment.Admission.Redis;

/// <summary>Loads the gate's scripts and subscribes it to restocks when the host starts.</summary>
internal sealed class RedisAdmissionGateStarter(RedisAdmissionGate gate) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => gate.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
