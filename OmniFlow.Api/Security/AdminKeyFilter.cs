using System.Security.Cryptography;
using System.Text;
using OmniFlow.Api.Infrastructure;

namespace OmniFlow.Api.Security;

/// <summary>Admin endpoints: <c>X-Api-Key</c> missing → 401, wrong → 403 (compared in constant time).</summary>
public sealed class AdminKeyFilter(ApiSecrets secrets) : IEndpointFilter
{
    public const string Header = "X-Api-Key";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var presented = context.HttpContext.Request.Headers[Header].ToString();
        if (presented.Length == 0)
        {
            return ApiProblems.Create(StatusCodes.Status401Unauthorized, "Unauthorized", $"The {Header} header is required.");
        }

        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), secrets.AdminKey))
        {
            return ApiProblems.Create(StatusCodes.Status403Forbidden, "Forbidden", $"The {Header} header does not grant access.");
        }

        return await next(context);
    }
}

public static class AdminKeyFilterExtensions
{
    public static TBuilder RequireAdminKey<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter<TBuilder, AdminKeyFilter>();
}
