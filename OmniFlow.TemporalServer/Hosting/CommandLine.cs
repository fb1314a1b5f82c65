namespace OmniFlow.TemporalServer.Hosting;

/// <summary>
/// The two argument forms the Temporal SDKs launch a server with:
/// <c>&lt;port&gt; [extra args]</c> (the time-skipping test server) and
/// <c>server start-dev --port P --namespace N --search-attribute Name=Type ...</c> (the dev server, real time).
/// Unknown flags are accepted and ignored.
/// </summary>
public static class CommandLine
{
    public static TemporalServerOptions Parse(IReadOnlyList<string> args)
    {
        if (args.Count >= 2 && args[0] == "server" && args[1] == "start-dev")
        {
            return ParseDevServer(args.Skip(2).ToList());
        }

        var port = args.Count > 0 && int.TryParse(args[0], out var p) ? p : 7233;
        return new TemporalServerOptions { Port = port, TimeSkipping = true };
    }

    private static TemporalServerOptions ParseDevServer(List<string> args)
    {
        var port = 7233;
        var host = "127.0.0.1";
        string? dbFilename = null;
        var namespaces = new List<string>();
        var searchAttributes = new Dictionary<string, string>();
        var defaults = new TemporalServerOptions();
        var historyCountSuggest = defaults.HistoryCountSuggestContinueAsNew;
        var historySizeSuggest = defaults.HistorySizeSuggestContinueAsNew;
        for (var i = 0; i < args.Count; i++)
        {
            var (name, inlineValue) = SplitFlag(args[i]);
            string? Value() => inlineValue ?? (i + 1 < args.Count && !args[i + 1].StartsWith('-') ? args[++i] : null);
            switch (name)
            {
                case "--port" or "-p" when int.TryParse(Value(), out var parsed):
                    port = parsed;
                    break;
                case "--ip" when Value() is { } ip:
                    host = ip == "0.0.0.0" || ip == "localhost" ? "127.0.0.1" : ip;
                    break;
                case "--namespace" or "-n" when Value() is { } ns:
                    namespaces.Add(ns);
                    break;
                case "--search-attribute" when Value() is { } attribute && attribute.Split('=', 2) is [var key, var type]:
                    searchAttributes[key] = type;
                    break;
                case "--dynamic-config-value" when Value() is { } setting && setting.Split('=', 2) is [var key, var value]:
                    // The real dev server's dynamic config: the continue-as-new suggestion limits are honoured, the rest ignored.
                    if (key == "limit.historyCount.suggestContinueAsNew" && int.TryParse(value, out var count))
                    {
                        historyCountSuggest = count;
                    }
                    else if (key == "limit.historySize.suggestContinueAsNew" && long.TryParse(value, out var size))
                    {
                        historySizeSuggest = size;
                    }

                    break;
                case "--db-filename" or "-f" when Value() is { } file:
                    dbFilename = file;
                    break;
                case "--headless":
                    break;
                default:
                    if (inlineValue is null && i + 1 < args.Count && !args[i + 1].StartsWith('-') && name.StartsWith("--", StringComparison.Ordinal))
                    {
                        i++;
                    }

                    break;
            }
        }

        return new TemporalServerOptions
        {
            Port = port,
            Host = host,
            TimeSkipping = false,
            DbFilename = dbFilename,
            Namespaces = namespaces,
            SearchAttributes = searchAttributes,
            HistoryCountSuggestContinueAsNew = historyCountSuggest,
            HistorySizeSuggestContinueAsNew = historySizeSuggest,
        };
    }

    private static (string Name, string? Value) SplitFlag(string arg)
    {
        var equals = arg.IndexOf('=', StringComparison.Ordinal);
        return arg.StartsWith("--", StringComparison.Ordinal) && equals > 0 ? (arg[..equals], arg[(equals + 1)..]) : (arg, null);
    }
}
