using OmniFlow.TemporalServer.Engine;
using OmniFlow.TemporalServer.Hosting;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.OperatorService.V1;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace OmniFlow.TemporalServer.Frontend;

/// <summary>temporal.api.operatorservice.v1.OperatorService: custom search attributes per namespace.</summary>
public sealed class OperatorServiceHandler : ServiceHandler, IDescribedService
{
    public static ServiceDescriptor Descriptor => ServiceReflection.Descriptor.Services[0];

    public OperatorServiceHandler(NamespaceRegistry namespaces, Persistence.IStateStore store)
        : base(store)
    {
        Map<AddSearchAttributesRequest, AddSearchAttributesResponse>("AddSearchAttributes", request =>
            VisibilityErrors.Translate(() =>
            {
                var ns = namespaces.Get(request.Namespace);
                ns.SearchAttributes.Add(request.SearchAttributes);
                ns.Changed();
                return new AddSearchAttributesResponse();
            }));
        Map<RemoveSearchAttributesRequest, RemoveSearchAttributesResponse>("RemoveSearchAttributes", request =>
            VisibilityErrors.Translate(() =>
            {
                var ns = namespaces.Get(request.Namespace);
                ns.SearchAttributes.Remove(request.SearchAttributes);
                ns.Changed();
                return new RemoveSearchAttributesResponse();
            }));
        Map<ListSearchAttributesRequest, ListSearchAttributesResponse>("ListSearchAttributes", request =>
        {
            var registry = namespaces.Get(request.Namespace).SearchAttributes;
            var response = new ListSearchAttributesResponse();
            response.CustomAttributes.Add(registry.Custom.ToDictionary(p => p.Key, p => p.Value));
            response.SystemAttributes.Add(registry.System.ToDictionary(p => p.Key, p => p.Value));
            return response;
        });
    }
}
