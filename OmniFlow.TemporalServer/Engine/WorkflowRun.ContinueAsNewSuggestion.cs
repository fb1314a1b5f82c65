using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;

namespace OmniFlow.TemporalServer.Engine;

public sealed partial class WorkflowRun
{
    /// <summary>
    /// As on a real server, a workflow task started once the history has reached the length or size limit
    /// (limit.historyCount / limit.historySize .suggestContinueAsNew) suggests continuing as new, saying why.
    /// </summary>
    private void SuggestContinueAsNew(WorkflowTaskStartedEventAttributes started)
    {
        if (History.LastEventId >= _context.HistoryCountSuggestContinueAsNew)
        {
            started.SuggestContinueAsNewReasons.Add(SuggestContinueAsNewReason.TooManyHistoryEvents);
        }

        if (started.HistorySizeBytes >= _context.HistorySizeSuggestContinueAsNew)
        {
            started.SuggestContinueAsNewReasons.Add(SuggestContinueAsNewReason.HistorySizeTooLarge);
        }

        started.SuggestContinueAsNew = started.SuggestContinueAsNewReasons.Count > 0;
    }
}
