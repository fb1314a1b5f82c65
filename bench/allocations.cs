#:package Microsoft.Diagnostics.Tracing.TraceEvent
// What a process allocates, from the runtime's AllocationTick samples (one per ~100 KB) in a dotnet-trace file:
//   dotnet-trace collect -p PID --providers Microsoft-Windows-DotNETRuntime:0x1:5 -o api.nettrace   (under load; Ctrl-C)
//   dotnet run bench/allocations.cs api.nettrace                     types by share of the sampled bytes
//   dotnet run bench/allocations.cs api.nettrace "System.String" …   and the stacks that allocate those types
using Microsoft.Diagnostics.Tracing.Etlx;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

using var log = new TraceLog(TraceLog.CreateFromEventPipeDataFile(args[0]));
var wanted = args.Skip(1).ToHashSet(StringComparer.Ordinal);
var bytesByType = new Dictionary<string, long>(StringComparer.Ordinal);
var stacks = new Dictionary<string, int>(StringComparer.Ordinal);
foreach (var traceEvent in log.Events)
{
    if (traceEvent is not GCAllocationTickTraceData tick)
    {
        continue;
    }

    var type = tick.TypeName ?? "?";
    bytesByType[type] = bytesByType.GetValueOrDefault(type) + tick.AllocationAmount64;
    if (wanted.Contains(type))
    {
        var frames = new List<string>();
        for (var frame = tick.CallStack(); frame is not null && frames.Count < 8; frame = frame.Caller)
        {
            if (frame.CodeAddress.FullMethodName is { Length: > 0 } name)
            {
                frames.Add(name.Length > 140 ? name[..140] : name);
            }
        }

        var key = $"{type}\n    {string.Join("\n    ", frames)}";
        stacks[key] = stacks.GetValueOrDefault(key) + 1;
    }
}

var total = bytesByType.Values.Sum();
foreach (var (type, bytes) in bytesByType.OrderByDescending(entry => entry.Value).Take(30))
{
    Console.WriteLine($"{100.0 * bytes / total,5:F1} %  {type}");
}

foreach (var (stack, samples) in stacks.OrderByDescending(entry => entry.Value).Take(10))
{
    Console.WriteLine($"\n{samples} samples: {stack}");
}
