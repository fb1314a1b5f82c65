using Google.Protobuf;
using Grpc.Core;

namespace OmniFlow.TemporalServer.Hosting;

/// <summary>
/// A table from method name to handler; methods not in it answer UNIMPLEMENTED. With a durable store, no answer (nor
/// error) leaves before every change made until then is committed: what a caller was told cannot be lost.
/// </summary>
public abstract class ServiceHandler(Persistence.IStateStore store)
{
    private readonly Dictionary<string, Func<IMessage, ServerCallContext, Task<IMessage>>> _handlers = [];

    protected void Map<TRequest, TResponse>(string method, Func<TRequest, ServerCallContext, Task<TResponse>> handler)
        where TRequest : IMessage
        where TResponse : IMessage =>
        _handlers[method] = async (request, context) => await handler((TRequest)request, context);

    protected void Map<TRequest, TResponse>(string method, Func<TRequest, TResponse> handler)
        where TRequest : IMessage
        where TResponse : IMessage =>
        _handlers[method] = (request, _) => Task.FromResult<IMessage>(handler((TRequest)request));

    public Task<IMessage> HandleAsync(string methodName, IMessage request, ServerCallContext context)
    {
        if (!_handlers.TryGetValue(methodName, out var handler))
        {
            throw new RpcException(new Status(StatusCode.Unimplemented, $"{methodName} is not implemented by OmniFlow.TemporalServer."));
        }

        return store.Durable ? HandleDurablyAsync(handler, request, context) : handler(request, context);
    }

    private async Task<IMessage> HandleDurablyAsync(Func<IMessage, ServerCallContext, Task<IMessage>> handler, IMessage request, ServerCallContext context)
    {
        IMessage response;
        try
        {
            response = await handler(request, context);
        }
        catch (RpcException)
        {
            await store.Committed();
            throw;
        }

        await store.Committed();
        return response;
    }

    /// <summary>How long a long poll may wait: until just before the caller's deadline, and never past a minute.</summary>
    protected static CancellationTokenSource LongPollScope(ServerCallContext context, CancellationToken stopping)
    {
        var scope = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, stopping);
        var wait = TimeSpan.FromSeconds(60);
        if (context.Deadline != DateTime.MaxValue)
        {
            var untilDeadline = context.Deadline - DateTime.UtcNow - TimeSpan.FromMilliseconds(500);
            wait = untilDeadline < wait ? untilDeadline : wait;
        }

        scope.CancelAfter(wait > TimeSpan.Zero ? wait : TimeSpan.Zero);
        return scope;
    }
}
