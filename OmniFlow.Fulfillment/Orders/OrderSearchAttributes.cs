using Microsoft.Extensions.Logging;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.OperatorService.V1;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace OmniFlow.Fulfillment.Orders;

/// <summary>Registers the custom search attributes order workflows upsert, so orders can be found in Temporal by status and user.</summary>
public static partial class OrderSearchAttributes
{
    /// <summary>
    /// Adds OrderStatus and UserId (Keyword) to the namespace; already registered is fine. Where the server does not let
    /// a client register them (Temporal Cloud: use tcld), this logs how to do it and returns false.
    /// </summary>
    public static async Task<bool> RegisterAsync(ITemporalClient client, string temporalNamespace, ILogger logger, CancellationToken cancellationToken)
    {
        var request = new AddSearchAttributesRequest { Namespace = temporalNamespace };
        request.SearchAttributes.Add(OrderWorkflow.OrderStatusAttribute.Name, IndexedValueType.Keyword);
        request.SearchAttributes.Add(OrderWorkflow.UserIdAttribute.Name, IndexedValueType.Keyword);
        try
        {
            await client.Connection.OperatorService.AddSearchAttributesAsync(request, new() { CancellationToken = cancellationToken });
            return true;
        }
        catch (RpcException error) when (error.Code == RpcException.StatusCode.AlreadyExists)
        {
            return true;
        }
        catch (RpcException error)
        {
            LogNotRegistered(logger, temporalNamespace, error.Message);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not register the OrderStatus and UserId search attributes in namespace {Namespace} ({Reason}); register them on the cluster, or set Temporal:SearchAttributes=false")]
    private static partial void LogNotRegistered(ILogger logger, string @namespace, string reason);
}
