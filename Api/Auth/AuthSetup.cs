using Ductus.Api.Auth.Oidc;
using Ductus.Api.Auth.Sessions;
using Ductus.Api.Protection;
using Ductus.Core;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Ductus.Api.Auth;

public static class AuthSetup
{
    /// <summary>Default scheme: a bearer token when the request has an Authorization header, else the session cookie.</summary>
    public const string BearerOrSession = "BearerOrSession";

    public const string ForbiddenDetail = "This client's roles do not allow this operation.";

    /// <summary>
    /// JWT bearer authentication (our own tokens, or an external OIDC authority's), browser
    /// sessions (an HttpOnly cookie from <c>POST /auth/session</c>), the role policies, API-key
    /// storage, the bootstrap admin, rate limits and body-size limits.
    /// </summary>
    public static WebApplicationBuilder AddDuctusSecurity(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);

        services.AddValidatedOptions<AuthOptions, AuthOptionsValidator>(AuthOptions.Section);
        services.AddValidatedOptions<RateLimitOptions, RateLimitOptionsValidator>(RateLimitOptions.Section);
        services.AddValidatedOptions<RequestLimitOptions, RequestLimitOptionsValidator>(RequestLimitOptions.Section);

        services.AddSingleton<TokenIssuer>();
        services.AddSingleton<ApiClientStore>();
        services.AddSingleton(sp =>
        {
            var auth = sp.GetRequiredService<IOptions<AuthOptions>>().Value;
            return new VerifiedSecretCache(sp.GetRequiredService<TimeProvider>(), auth.VerifiedSecretLifetime, auth.VerifiedSecretCapacity);
        });
        services.AddSingleton<ClientAuthenticator>();
        services.AddSingleton<RedisRateLimiter>();
        services.AddHostedService<BootstrapAdmin>();

        services.AddSingleton<SessionStore>();
        // Built on first use, by the OIDC endpoints only once they saw an issuer configured.
        services.AddSingleton<OidcSignIn>();
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers is experimental, but the only way to opt one client out of the defaults.
        services.AddHttpClient(OidcSignIn.HttpClientName, http => http.Timeout = TimeSpan.FromSeconds(15))
            // An authorization code is good for one exchange: a retried token request could only fail.
            .RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001

        // Either credential yields the same claims, so the role policies need not know which one
        // came. The header decides, so a request never mixes the two: one with a bearer token is
        // judged by the token alone, even if the browser also attached a session cookie.
        services.AddAuthentication(BearerOrSession)
            .AddPolicyScheme(BearerOrSession, "Bearer token or session cookie", policy => policy.ForwardDefaultSelector = context =>
                context.Request.Headers.Authorization.Count > 0 ? JwtBearerDefaults.AuthenticationScheme : SessionAuthenticationHandler.SchemeName)
            .AddJwtBearer()
            .AddScheme<AuthenticationSchemeOptions, SessionAuthenticationHandler>(SessionAuthenticationHandler.SchemeName, null);
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<AuthOptions>, TimeProvider>((jwt, auth, time) => ConfigureJwt(jwt, auth.Value, time));
        services.AddAuthorization(options =>
        {
            options.AddDuctusPolicies();
            // Anything mapped without saying who may call it (a library's internal route such as
            // FastEndpoints' /_test_url_cache_, a path no endpoint matches) is admin-only, so
            // forgetting a policy closes a route instead of opening it.
            options.FallbackPolicy = options.GetPolicy(PolicyNames.Admin);
        });
        return builder;
    }

    private static void ConfigureJwt(JwtBearerOptions jwt, AuthOptions auth, TimeProvider time)
    {
        // Keep claim names as issued ("sub", "role", "ws") instead of mapping them to long URIs.
        jwt.MapInboundClaims = false;
        // One cache per handler (the options are built once per scheme), wrapping the handler
        // after MapInboundClaims has reached it.
        for (var i = 0; i < jwt.TokenHandlers.Count; i++)
        {
            jwt.TokenHandlers[i] = new ValidatedTokenCache(jwt.TokenHandlers[i], time);
        }

        jwt.TokenValidationParameters = new TokenValidationParameters
        {
            NameClaimType = DuctusClaims.Subject,
            RoleClaimType = DuctusClaims.Role,
            ValidAudience = auth.Audience,
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidateLifetime = true,
            // Replicas' clocks drift a little; a quarter-hour token should not fail on seconds.
            ClockSkew = TimeSpan.FromSeconds(30),
        };

        if (auth.UsesExternalAuthority)
        {
            // Issuer and signing keys come from the authority's discovery document.
            jwt.Authority = auth.Authority;
            jwt.Audience = auth.Audience;
            // The validator allows false only for a loopback authority.
            jwt.RequireHttpsMetadata = auth.RequireHttpsMetadata;
        }
        else
        {
            jwt.TokenValidationParameters.ValidIssuer = auth.Issuer;
            jwt.TokenValidationParameters.IssuerSigningKey = TokenIssuer.SigningKey(auth);
            jwt.TokenValidationParameters.ValidAlgorithms = [SecurityAlgorithms.HmacSha256];
        }

        jwt.Events = new JwtBearerEvents
        {
            OnChallenge = async context =>
            {
                context.HandleResponse();
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                context.Response.Headers.WWWAuthenticate = "Bearer";
                await Problems.WriteAsync(context.HttpContext, StatusCodes.Status401Unauthorized, "Unauthorized",
                    context.AuthenticateFailure is null
                        ? "A bearer token is required: get one at POST /auth/token."
                        : "The bearer token is invalid or expired: get a new one at POST /auth/token.");
            },
            OnForbidden = context => Problems.WriteAsync(context.HttpContext, StatusCodes.Status403Forbidden, "Forbidden", ForbiddenDetail),
        };
    }

    public static WebApplication UseDuctusSecurity(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseMiddleware<RequestSizeLimitMiddleware>();
        app.UseAuthentication();
        app.UseMiddleware<CsrfMiddleware>();
        app.UseMiddleware<RateLimitMiddleware>();
        app.UseAuthorization();
        return app;
    }
}
