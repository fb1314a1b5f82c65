using StackExchange.Redis;

namespace OmniFlow.Fulfillment.Admission.Redis;

/// <summary>
/// What the restock channel carries: <c>&lt;publisher&gt;:&lt;sku&gt;</c>. A gate skips the messages it published itself:
/// it cleared its own cache when Redis answered, and its message can arrive after a newer sold-out answer was cached.
/// </summary>
internal static class RestockMessage
{
    public static RedisValue Of(string publisher, string sku) => $"{publisher}:{sku}";

    /// <summary>The restocked sku, or null when <paramref name="self"/> published the message.</summary>
    public static string? SkuFromOthers(RedisValue message, string self)
    {
        var text = message.ToString();
        var separator = text.IndexOf(':', StringComparison.Ordinal);
        var publisher = separator < 0 ? string.Empty : text.AsSpan(0, separator);
        return publisher.SequenceEqual(self) ? null : text[(separator + 1)..];
    }
}
