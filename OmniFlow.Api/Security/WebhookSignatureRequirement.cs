using OmniFlow.Api.Infrastructure;

namespace OmniFlow.Api.Security;

/// <summary>Marks an endpoint that checks the <see cref="WebhookSignature"/> itself, before it reads the body.</summary>
public sealed class WebhookSignatureRequirement
{
    public static readonly WebhookSignatureRequirement Instance = new();

    private WebhookSignatureRequirement()
    {
    }
}

public static class WebhookSignatureEndpoints
{
    public static TBuilder RequireWebhookSignature<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(WebhookSignatureRequirement.Instance)
            .Answers(StatusCodes.Status401Unauthorized, $"The {WebhookSignature.Header} header is missing, malformed, made for another order or too old; nothing changed.");
}
