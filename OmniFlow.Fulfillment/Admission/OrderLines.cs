using OmniFlow.Fulfillment.Inventory;

namespace OmniFlow.Fulfillment.Admission;

/// <summary>Checks an order's lines and folds repeated skus into one line, allocating only when a sku repeats.</summary>
internal static class OrderLines
{
    public static IReadOnlyList<StockLine> Normalize(IReadOnlyList<StockLine> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        if (lines.Count == 0)
        {
            throw new ArgumentException("An order needs at least one line.", nameof(lines));
        }

        var repeats = false;
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i] ?? throw new ArgumentException("An order line is null.", nameof(lines));
            ArgumentException.ThrowIfNullOrEmpty(line.Sku, nameof(lines));
            ArgumentOutOfRangeException.ThrowIfLessThan(line.Quantity, 1, nameof(lines));
            for (var j = 0; j < i && !repeats; j++)
            {
                repeats = string.Equals(lines[j].Sku, line.Sku, StringComparison.Ordinal);
            }
        }

        return repeats ? Merge(lines) : lines;
    }

    private static List<StockLine> Merge(IReadOnlyList<StockLine> lines)
    {
        var merged = new List<StockLine>(lines.Count);
        foreach (var line in lines)
        {
            var index = merged.FindIndex(existing => string.Equals(existing.Sku, line.Sku, StringComparison.Ordinal));
            if (index < 0)
            {
                merged.Add(line);
            }
            else
            {
                merged[index] = merged[index] with { Quantity = checked(merged[index].Quantity + line.Quantity) };
            }
        }

        return merged;
    }
}
