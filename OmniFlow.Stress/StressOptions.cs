using System.Globalization;

namespace OmniFlow.Stress;

/// <summary>What one stress run does; parsed from <c>--name value</c> arguments.</summary>
public sealed record StressOptions
{
    public Uri Url { get; init; } = new("http://127.0.0.1:8000");

    public int Concurrency { get; init; } = 2000;

    public int Requests { get; init; } = 40000;

    public int Stock { get; init; } = 10;

    /// <summary>A new sku per run by default, so no earlier run's orders (or their compensations) are counted.</summary>
    public string Sku { get; init; } = $"FLASH-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Buyers u-0..u-(N-1) in turn; null gives every request its own buyer.</summary>
    public int? Users { get; init; }

    /// <summary>When set, fire until this much time has passed instead of stopping after <see cref="Requests"/>.</summary>
    public TimeSpan? Duration { get; init; }

    public bool Json { get; init; }

    public string AdminKey { get; init; } = "dev-admin-key";

    public decimal Price { get; init; } = 100m;

    public TimeSpan SettleTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The share of admitted orders paid while the sale runs (0 to 1), each then checked to end COMPLETED.</summary>
    public double PayShare { get; init; }

    /// <summary>What payments are signed with (the system's <c>Payments:WebhookSecret</c>).</summary>
    public string WebhookSecret { get; init; } = "dev-webhook-secret";

    /// <summary>A dependency is taken down during the run: 503 answers are expected and do not fail it (other 5xx do).</summary>
    public bool ExpectOutage { get; init; }

    public const string Usage = """
        usage: OmniFlow.Stress [--url http://127.0.0.1:8000] [--concurrency 2000] [--requests 40000] [--stock 10]
                               [--sku FLASH-<random>] [--users N] [--duration 30s] [--json] [--admin-key dev-admin-key]
                               [--price 100] [--settle-timeout 30s] [--pay 0.6] [--webhook-secret dev-webhook-secret]
                               [--expect-outage]
        """;

    /// <summary>Parses the arguments; throws <see cref="FormatException"/> with a message for the user on bad input.</summary>
    public static StressOptions Parse(IReadOnlyList<string> args)
    {
        var options = new StressOptions();
        for (var index = 0; index < args.Count; index++)
        {
            var name = args[index];
            var inline = name.IndexOf('=', StringComparison.Ordinal);
            string? attached = null;
            if (inline > 0)
            {
                attached = name[(inline + 1)..];
                name = name[..inline];
            }

            if (name is "--json" or "--expect-outage")
            {
                var on = attached is null || bool.Parse(attached);
                options = name == "--json" ? options with { Json = on } : options with { ExpectOutage = on };
                continue;
            }

            if (!name.StartsWith("--", StringComparison.Ordinal))
            {
                throw new FormatException($"unexpected argument '{name}'");
            }

            var value = attached ?? (index + 1 < args.Count ? args[++index] : throw new FormatException($"{name} needs a value"));
            options = name switch
            {
                "--url" => options with { Url = ParseUrl(value) },
                "--concurrency" => options with { Concurrency = Positive(name, value) },
                "--requests" => options with { Requests = Positive(name, value) },
                "--stock" => options with { Stock = NonNegative(name, value) },
                "--sku" => options with { Sku = ValidSku(value) },
                "--users" => options with { Users = Positive(name, value) },
                "--duration" => options with { Duration = ParseDuration(name, value) },
                "--admin-key" => options with { AdminKey = value },
                "--price" => options with { Price = decimal.Parse(value, CultureInfo.InvariantCulture) },
                "--settle-timeout" => options with { SettleTimeout = ParseDuration(name, value) },
                "--pay" => options with { PayShare = Share(name, value) },
                "--webhook-secret" => options with { WebhookSecret = value },
                _ => throw new FormatException($"unknown option '{name}'"),
            };
        }

        return options;
    }

    /// <summary>Accepts <c>30s</c>, <c>500ms</c>, <c>2m</c>, <c>1h</c> or a TimeSpan such as <c>00:00:30</c>.</summary>
    public static TimeSpan ParseDuration(string name, string value)
    {
        (string Suffix, Func<double, TimeSpan> Unit)[] units =
            [("ms", TimeSpan.FromMilliseconds), ("s", TimeSpan.FromSeconds), ("m", TimeSpan.FromMinutes), ("h", TimeSpan.FromHours)];
        foreach (var (suffix, unit) in units)
        {
            if (value.EndsWith(suffix, StringComparison.Ordinal)
                && double.TryParse(value[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) && amount > 0)
            {
                return unit(amount);
            }
        }

        return TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero
            ? span
            : throw new FormatException($"{name}: '{value}' is not a duration (e.g. 30s, 500ms, 2m)");
    }

    private static Uri ParseUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new FormatException($"--url: '{value}' is not an http(s) URL");

    private static int Positive(string name, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) && number > 0
            ? number
            : throw new FormatException($"{name}: '{value}' is not a positive integer");

    private static int NonNegative(string name, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) && number >= 0
            ? number
            : throw new FormatException($"{name}: '{value}' is not a non-negative integer");

    private static double Share(string name, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var share) && share is >= 0 and <= 1
            ? share
            : throw new FormatException($"{name}: '{value}' is not a share between 0 and 1");

    private static string ValidSku(string value) =>
        value.Length is > 0 and <= 64 && value.All(character => char.IsAsciiLetterOrDigit(character) || character is '_' or '-')
            ? value
            : throw new FormatException($"--sku: '{value}' must match [A-Za-z0-9_-]{{1,64}}");
}
