using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace OmniFlow.Api.Security;

/// <summary>
/// Payment confirmations carry <c>X-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256 of "&lt;t&gt;.&lt;order id&gt;.&lt;raw body&gt;"
/// with Payments:WebhookSecret&gt;</c>. The signature binds the body to its order and its moment: it is good for that
/// order only, and only while <c>t</c> is within <see cref="Tolerance"/> of the server's clock.
/// </summary>
public sealed class WebhookSignature(ApiSecrets secrets, TimeProvider time)
{
    public const string Header = "X-Signature";
    public const string Format = "t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<order id>.<raw body>\">";

    public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    public bool IsValid(string orderId, ReadOnlySpan<byte> body, string? header)
    {
        if (!TryParse(header, out var timestamp, out var presented)
            || !long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || Math.Abs((double)seconds - time.GetUtcNow().ToUnixTimeSeconds()) > Tolerance.TotalSeconds)
        {
            return false;
        }

        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, secrets.WebhookSecret);
        hmac.AppendData(Encoding.UTF8.GetBytes($"{timestamp}.{orderId}."));
        hmac.AppendData(body);
        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        hmac.GetHashAndReset(expected);
        return CryptographicOperations.FixedTimeEquals(expected, presented);
    }

    /// <summary>Exactly one <c>t</c> (1 to 19 digits) and one <c>v1</c> (64 hex digits), separated by a comma.</summary>
    private static bool TryParse(string? header, out string timestamp, out byte[] signature)
    {
        timestamp = string.Empty;
        signature = [];
        string? t = null;
        string? v1 = null;
        foreach (var part in (header ?? string.Empty).Split(','))
        {
            var (key, value) = part.Split('=', 2) is [var k, var v] ? (k.Trim(), v.Trim()) : (string.Empty, string.Empty);
            switch (key)
            {
                case "t" when t is null:
                    t = value;
                    break;
                case "v1" when v1 is null:
                    v1 = value;
                    break;
                default:
                    return false;
            }
        }

        if (t is not { Length: > 0 and <= 19 } || !t.All(char.IsAsciiDigit) || v1 is not { Length: 2 * HMACSHA256.HashSizeInBytes } || !v1.All(char.IsAsciiHexDigit))
        {
            return false;
        }

        timestamp = t;
        signature = Convert.FromHexString(v1);
        return true;
    }
}
