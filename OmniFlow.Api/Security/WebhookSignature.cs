using System.Security.Cryptography;

namespace OmniFlow.Api.Security;

/// <summary>
/// Payment confirmations carry <c>X-Signature: sha256=&lt;hex HMAC-SHA256 of the raw body with Payments:WebhookSecret&gt;</c>.
/// </summary>
public sealed class WebhookSignature(ApiSecrets secrets)
{
    public const string Header = "X-Signature";
    private const string Prefix = "sha256=";

    public bool IsValid(ReadOnlySpan<byte> body, string? header)
    {
        if (header is null || !header.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) || header.Length != Prefix.Length + (2 * HMACSHA256.HashSizeInBytes))
        {
            return false;
        }

        Span<byte> presented = stackalloc byte[HMACSHA256.HashSizeInBytes];
        if (Convert.FromHexString(header.AsSpan(Prefix.Length), presented, out _, out var written) != System.Buffers.OperationStatus.Done
            || written != presented.Length)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(secrets.WebhookSecret, body, expected);
        return CryptographicOperations.FixedTimeEquals(expected, presented);
    }

    public string Sign(ReadOnlySpan<byte> body) => Prefix + Convert.ToHexStringLower(HMACSHA256.HashData(secrets.WebhookSecret, body));
}
