using Temporalio.Api.Enums.V1;
using Temporalio.Api.WorkflowService.V1;
using OmniFlow.TemporalServer.Visibility;

namespace OmniFlow.TemporalServer.Engine;

/// <summary>ListWorkflowExecutions and CountWorkflowExecutions over the runs' indexed fields.</summary>
public sealed partial class WorkflowEngine
{
    private const int DefaultListPageSize = 1000;

    private static List<RunVisibilityRecord> Snapshot(WorkflowNamespace ns) =>
        ns.Runs.Select(run =>
        {
            lock (run.Sync)
            {
                return RunVisibilityRecord.Of(run, ns.SearchAttributes);
            }
        }).ToList();

    public ListWorkflowExecutionsResponse List(ListWorkflowExecutionsRequest request)
    {
        var ns = Namespaces.Get(request.Namespace);
        var query = VisibilityQuery.Parse(request.Query, ns.SearchAttributes);
        var matching = query.Apply(Snapshot(ns));
        var offset = PageTokens.ReadOffset(request.NextPageToken);
        var pageSize = request.PageSize > 0 ? request.PageSize : DefaultListPageSize;
        var response = new ListWorkflowExecutionsResponse();
        response.Executions.Add(matching.Skip(offset).Take(pageSize).Select(r => r.Info));
        if (offset + pageSize < matching.Count)
        {
            response.NextPageToken = PageTokens.Of(offset + pageSize);
        }

        return response;
    }

    public CountWorkflowExecutionsResponse Count(CountWorkflowExecutionsRequest request)
    {
        var ns = Namespaces.Get(request.Namespace);
        var query = VisibilityQuery.Parse(request.Query, ns.SearchAttributes);
        var count = query.Count(Snapshot(ns));
        var response = new CountWorkflowExecutionsResponse { Count = count.Total };
        foreach (var group in count.Groups)
        {
            var aggregation = new CountWorkflowExecutionsResponse.Types.AggregationGroup { Count = group.Count };
            aggregation.GroupValues.Add(group.Values.Select(v => SearchAttributeValues.Encode(v, IndexedValueType.Keyword)));
            response.Groups.Add(aggregation);
        }

        return response;
    }
}
