using Ductus.Core;
using Ductus.Core.Auth;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace Ductus.Analytics;

/// <summary>
/// Only the Api may call the worker: every route except the health probes needs a
/// <see cref="ServiceToken"/> signed with the shared <c>Ductus:ServiceToken:SigningKey</c>.
/// Reaching the worker's port is not enough, which matters once it runs on a network that other
/// processes share (containers, a cluster).
/// </summary>
public static class ServiceAuthentication
{
    public static WebApplicationBuilder AddServiceTokenAuthentication(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddValidatedOptions<ServiceTokenOptions, ServiceTokenOptionsValidator>(ServiceTokenOptions.Section);
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<ServiceTokenOptions>>((jwt, options) =>
            {
                // Keep "ws" and "ws_name" as issued instead of mapping them to long URIs.
                jwt.MapInboundClaims = false;
                jwt.TokenValidationParameters = ServiceToken.ValidationParameters(options.Value.SigningKey!);
                jwt.Events = new JwtBearerEvents
                {
                    OnChallenge = async context =>
                    {
                        context.HandleResponse();
                        context.Response.Headers.WWWAuthenticate = "Bearer";
                        await Results.Problem(
                            statusCode: StatusCodes.Status401Unauthorized,
                            title: "Unauthorized",
                            detail: context.AuthenticateFailure is null
                                ? "A service token from the Api is required."
                                : "The service token is invalid or expired.").ExecuteAsync(context.HttpContext);
                    },
                };
            });
        builder.Services.AddAuthorization(options =>
        {
            // Anything mapped without saying otherwise needs a token that names a workspace.
            options.FallbackPolicy = new AuthorizationPolicyBuilder()
                .RequireAuthenticatedUser()
                .RequireClaim(ServiceToken.WorkspaceClaim)
                .RequireClaim(ServiceToken.WorkspaceNameClaim)
                .Build();
        });
        return builder;
    }
}
