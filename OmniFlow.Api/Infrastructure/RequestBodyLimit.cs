namespace OmniFlow.Api.Infrastructure;

/// <summary>
/// Every body the Api reads is one order, product, payment or audit decision: a few KB. A larger one is refused (413)
/// before it is read, by the server's body limit (<see cref="ApiApp"/>), for every request alike.
/// </summary>
public static class RequestBodyLimit
{
    /// <summary>An order of 50 items with a 128-character user id is under 8 KB.</summary>
    public const int MaxBytes = 16 * 1024;

    public static readonly string TooLarge = $"The request body must be at most {MaxBytes} bytes.";
}
