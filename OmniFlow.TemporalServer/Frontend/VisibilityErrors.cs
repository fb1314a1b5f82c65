using Grpc.Core;
using OmniFlow.TemporalServer.Visibility;

namespace OmniFlow.TemporalServer.Frontend;

/// <summary>Visibility errors as gRPC statuses: bad queries are INVALID_ARGUMENT, registry conflicts their own codes.</summary>
public static class VisibilityErrors
{
    public static T Translate<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (SearchAttributeAlreadyExistsException ex)
        {
            throw new RpcException(new Status(StatusCode.AlreadyExists, ex.Message));
        }
        catch (SearchAttributeNotFoundException ex)
        {
            throw new RpcException(new Status(StatusCode.NotFound, ex.Message));
        }
        catch (VisibilityQueryException ex)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, ex.Message));
        }
    }
}
