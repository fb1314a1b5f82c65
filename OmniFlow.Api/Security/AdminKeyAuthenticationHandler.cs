using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using OmniFlow.Api.Infrastructure;

namespace OmniFlow.Api.Security;

/// <summary>
/// The admin key as an authentication scheme, so that it is checked by the authorization middleware before the
/// endpoint binds anything: <c>X-Api-Key</c> missing → 401, wrong → 403 (compared in constant time), both problem details.
/// </summary>
public sealed class AdminKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiSecrets secrets,
    IProblemDetailsService problems)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = Request.Headers[AdminKey.Header].ToString();
        if (presented.Length == 0)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), secrets.AdminKey))
        {
            return Task.FromResult(AuthenticateResult.Fail($"The {AdminKey.Header} header does not grant access."));
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Role, AdminKey.Role)], AdminKey.SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), AdminKey.SchemeName)));
    }

    /// <summary>No key: 401. A key that is presented but wrong is refused with 403, as the contract has it.</summary>
    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        if (result.Failure is not null)
        {
            await HandleForbiddenAsync(properties);
            return;
        }

        Response.Headers.WWWAuthenticate = $"{AdminKey.SchemeName} header=\"{AdminKey.Header}\"";
        await WriteAsync(StatusCodes.Status401Unauthorized, "Unauthorized", $"The {AdminKey.Header} header is required.");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        WriteAsync(StatusCodes.Status403Forbidden, "Forbidden", $"The {AdminKey.Header} header does not grant access.");

    private async Task WriteAsync(int status, string title, string detail)
    {
        Response.StatusCode = status;
        await problems.WriteAsync(new() { HttpContext = Context, ProblemDetails = ApiProblems.Details(status, title, detail) });
    }
}
