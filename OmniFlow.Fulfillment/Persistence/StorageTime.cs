namespace OmniFlow.Fulfillment.Persistence;

public static class StorageTime
{
    /// <summary>
    /// Now, cut to whole milliseconds: what MySQL's datetime(6) and SQLite's binary ticks both store exactly,
    /// so a value handed back to a caller equals the value read back later.
    /// </summary>
    public static DateTimeOffset GetStorageNow(this TimeProvider time)
    {
        var now = time.GetUtcNow();
        return now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMillisecond));
    }
}
