using Google.Protobuf;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;
using Grpc.Core;

namespace OmniFlow.TemporalServer.Hosting;

/// <summary>A gRPC service served straight from its protobuf descriptor: every unary method lands in one dispatcher.</summary>
public interface IDescribedService
{
    static abstract ServiceDescriptor Descriptor { get; }

    Task<IMessage> HandleAsync(string methodName, IMessage request, ServerCallContext context);
}
