using Microsoft.AspNetCore.Authentication;
using OmniFlow.Api.Infrastructure;

namespace OmniFlow.Api.Security;

/// <summary>The admin key: the header, the authentication scheme that checks it and the policy admin endpoints require.</summary>
public static class AdminKey
{
    public const string SchemeName = "AdminKey";
    public const string Policy = "Admin";
    public const string Header = "X-Api-Key";
    public const string Role = "admin";

    public static IServiceCollection AddAdminKeyAuthentication(this IServiceCollection services)
    {
        // The only scheme would otherwise become the default, and every request (the flash sale's crowd too) would run
        // it; the admin policy names its scheme, so only the endpoints that require it pay for the check.
        AppContext.SetSwitch("Microsoft.AspNetCore.Authentication.SuppressAutoDefaultScheme", true);
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, AdminKeyAuthenticationHandler>(SchemeName, configureOptions: null);
        services.AddAuthorizationBuilder().AddPolicy(Policy, policy => policy.AddAuthenticationSchemes(SchemeName).RequireRole(Role));
        return services;
    }

    /// <summary>Admin only: the key is checked before the request body is read or bound.</summary>
    public static TBuilder RequireAdminKey<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(Policy)
            .Answers(StatusCodes.Status401Unauthorized, $"No {Header} header.")
            .Answers(StatusCodes.Status403Forbidden, $"The {Header} header does not grant access.");
}
