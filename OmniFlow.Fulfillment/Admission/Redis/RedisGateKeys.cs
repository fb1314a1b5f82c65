using System.Text;
using StackExchange.Redis;

namespace OmniFlow.Fulfillment.Admission.Redis;

/// <summary>
/// Key names, all under one hash tag: <c>{prefix}:stock:&lt;sku&gt;</c>, <c>{prefix}:buyers:&lt;sku&gt;</c> (user id → units),
/// <c>{prefix}:admission:&lt;order id&gt;</c>, <c>{prefix}:correction:&lt;id&gt;</c> (a reconciliation's applied correction), and the channel <c>{prefix}:restocked</c> (see <see cref="RestockMessage"/>).
/// </summary>
internal sealed class RedisGateKeys(string prefix)
{
    private readonly RedisKey stock = Encoding.UTF8.GetBytes($"{{{prefix}}}:stock:");
    private readonly RedisKey buyers = Encoding.UTF8.GetBytes($"{{{prefix}}}:buyers:");
    private readonly RedisKey admission = Encoding.UTF8.GetBytes($"{{{prefix}}}:admission:");
    private readonly RedisKey correction = Encoding.UTF8.GetBytes($"{{{prefix}}}:correction:");

    public RedisChannel RestockChannel { get; } = RedisChannel.Literal($"{{{prefix}}}:restocked");

    public RedisKey Stock(string sku) => stock.Append(sku);

    public RedisKey Buyers(string sku) => buyers.Append(sku);

    public RedisKey Admission(string orderId) => admission.Append(orderId);

    /// <summary>The mark of a reconciliation's correction of the stock, so a retried correction is applied once.</summary>
    public RedisKey Correction(string correctionId) => correction.Append(correctionId);
}
