using System.Reflection;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;

namespace OmniFlow.TemporalServer.Hosting;

/// <summary>
/// Builds a gRPC method for each unary method of the service's descriptor, with marshallers from the generated
/// message parsers, so services work without .proto files or generated server stubs.
/// </summary>
public sealed class DescribedServiceMethodProvider<TService> : IServiceMethodProvider<TService>
    where TService : class, IDescribedService
{
    private static readonly MethodInfo AddUnaryMethodInfo =
        typeof(DescribedServiceMethodProvider<TService>).GetMethod(nameof(AddUnary), BindingFlags.NonPublic | BindingFlags.Static)!;

    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<TService> context)
    {
        foreach (var method in TService.Descriptor.Methods)
        {
            if (method.IsClientStreaming || method.IsServerStreaming)
            {
                continue;
            }

            AddUnaryMethodInfo.MakeGenericMethod(method.InputType.ClrType, method.OutputType.ClrType)
                .Invoke(null, [context, method]);
        }
    }

    private static void AddUnary<TRequest, TResponse>(ServiceMethodProviderContext<TService> context, MethodDescriptor descriptor)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        var method = new Method<TRequest, TResponse>(
            MethodType.Unary,
            descriptor.Service.FullName,
            descriptor.Name,
            MarshallerOf<TRequest>(),
            MarshallerOf<TResponse>());
        var name = descriptor.Name;
        context.AddUnaryMethod(
            method,
            [],
            async (service, request, callContext) => (TResponse)await service.HandleAsync(name, request, callContext));
    }

    /// <summary>Reads from and writes into the transport's buffers directly, without an intermediate byte array.</summary>
    private static Marshaller<T> MarshallerOf<T>()
        where T : class, IMessage<T>, new()
    {
        var parser = new MessageParser<T>(() => new T());
        return Marshallers.Create<T>(
            static (message, context) =>
            {
                context.SetPayloadLength(message.CalculateSize());
                message.WriteTo(context.GetBufferWriter());
                context.Complete();
            },
            context => parser.ParseFrom(context.PayloadAsReadOnlySequence()));
    }
}
