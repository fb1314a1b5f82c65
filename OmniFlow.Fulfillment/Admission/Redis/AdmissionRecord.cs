using System.Text.Json;
using OmniFlow.Fulfillment.Inventory;

namespace OmniFlow.Fulfillment.Admission.Redis;

/// <summary>What an admission took, as the admit script stores it: <c>{"items":[["sku",2],...],"user":"u-42"}</c>.</summary>
internal sealed record AdmissionRecord(string? UserId, IReadOnlyList<StockLine> Lines)
{
    /// <summary>Whether the admission was taken for these lines (normalized, in order) and this user.</summary>
    public bool Matches(string? userId, IReadOnlyList<StockLine> lines) =>
        (UserId ?? string.Empty) == (userId ?? string.Empty) && Lines.SequenceEqual(lines);

    public static AdmissionRecord Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var lines = new List<StockLine>();
        foreach (var item in root.GetProperty("items").EnumerateArray())
        {
            lines.Add(new StockLine(item[0].GetString()!, item[1].GetInt32()));
        }

        var userId = root.TryGetProperty("user", out var user) ? user.GetString() : null;
        return new AdmissionRecord(userId, lines);
    }
}
