using Temporalio.Api.Enums.V1;

namespace OmniFlow.TemporalServer.Scheduling;

/// <summary>A start waiting to happen: its nominal and actual (jittered) time, the overlap policy it was added with.</summary>
public sealed record BufferedStart(DateTimeOffset Nominal, DateTimeOffset Actual, ScheduleOverlapPolicy Policy, bool Manual);

/// <summary>What to do with the buffered starts now, given whether a started workflow is still running.</summary>
public sealed record OverlapDecision(
    IReadOnlyList<BufferedStart> Overlapping,
    BufferedStart? NonOverlapping,
    IReadOnlyList<BufferedStart> NewBuffer,
    bool NeedCancel,
    bool NeedTerminate,
    long Skipped);

/// <summary>
/// The overlap policies as the real server applies them to its buffer: ALLOW_ALL starts at once (untracked); otherwise
/// the first start goes when nothing runs, and the rest are skipped (SKIP), kept one (BUFFER_ONE) or all (BUFFER_ALL),
/// or kept while the running one is cancelled (CANCEL_OTHER) or terminated (TERMINATE_OTHER).
/// </summary>
public static class OverlapBuffer
{
    public static OverlapDecision Decide(IReadOnlyList<BufferedStart> buffer, bool isRunning, Func<ScheduleOverlapPolicy, ScheduleOverlapPolicy> resolve)
    {
        var overlapping = new List<BufferedStart>();
        var newBuffer = new List<BufferedStart>();
        BufferedStart? nonOverlapping = null;
        bool cancel = false, terminate = false;
        long skipped = 0;
        foreach (var start in buffer)
        {
            var policy = resolve(start.Policy);
            if (policy == ScheduleOverlapPolicy.AllowAll)
            {
                overlapping.Add(start);
                continue;
            }

            if (!isRunning && nonOverlapping is null)
            {
                nonOverlapping = start;
                continue;
            }

            switch (policy)
            {
                case ScheduleOverlapPolicy.BufferOne when newBuffer.Count == 0:
                case ScheduleOverlapPolicy.BufferAll:
                    newBuffer.Add(start);
                    break;
                case ScheduleOverlapPolicy.CancelOther or ScheduleOverlapPolicy.TerminateOther when isRunning:
                    cancel |= policy == ScheduleOverlapPolicy.CancelOther;
                    terminate |= policy == ScheduleOverlapPolicy.TerminateOther;
                    newBuffer.Add(start);
                    break;
                case ScheduleOverlapPolicy.CancelOther or ScheduleOverlapPolicy.TerminateOther:
                    nonOverlapping = start;
                    break;
                default:
                    skipped++;
                    break;
            }
        }

        if (cancel || terminate)
        {
            overlapping.Clear();
        }

        return new OverlapDecision(overlapping, nonOverlapping, newBuffer, cancel, terminate, skipped);
    }
}
