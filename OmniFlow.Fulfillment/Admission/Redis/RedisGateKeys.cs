using System.Text;
using StackExchange.Redis;

namespace OmniFlow.Fulfillment.Admission.Redis;

/// <summary>
/// Key names, all under one hash tag: <c>{prefix}:stock:&lt;sku&gt;</c>, <c>{prefix}:buyers:&lt;sku&gt;</c> (user id → units),
/// <c>{prefix}:admission:&lt;order id&gt;</c>, and the channel <c>{prefix}:restocked</c> (message: the sku).
/// </summary>
internal sealed class RedisGateKeys(string prefix)
{
    private readonly RedisKey stock = Encoding.UTF8.GetBytes($"{{{prefix}}}:stock:");
    private readonly RedisKey buyers = Encoding.UTF8.GetBytes($"{{{prefix}}}:buyers:");
    private readonly RedisKey admission = Encoding.UTF8.GetBytes($"{{{prefix}}}:admission:");

    public RedisChannel RestockChannel { get; } = RedisChannel.Literal($"{{{prefix}}}:restocked");

    public RedisKey Stock(string sku) => stock.Append(sku);

    public RedisKey Buyers(string sku) => buyers.Append(sku);

    public RedisKey Admission(string orderId) => admission.Append(orderId);
}
