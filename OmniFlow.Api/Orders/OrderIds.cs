using System.Security.Cryptography;
using System.Text;

namespace OmniFlow.Api.Orders;

/// <summary>
/// An order's id, which is also its workflow's id. A request with an Idempotency-Key gets the id derived from the key, so
/// every request repeating the key names the same order: the gate admits an order id once, and Temporal starts one
/// workflow per id. That is the whole idempotency mechanism.
/// </summary>
public static class OrderIds
{
    public const string Prefix = "ORDER-";

    public static string New() => Prefix + Guid.NewGuid();

    /// <summary>The same key always gives the same id (a name-based UUID, version 8, of the key's SHA-256).</summary>
    public static string ForIdempotencyKey(string idempotencyKey)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(idempotencyKey), hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return Prefix + new Guid(hash[..16], bigEndian: true);
    }
}
