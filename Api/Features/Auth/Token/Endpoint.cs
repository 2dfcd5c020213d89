using System.Globalization;
using Ductus.Api.Auth;
using Ductus.Api.Protection;
using FastEndpoints;
using Microsoft.Extensions.Options;

namespace Ductus.Api.Features.Auth.Token;

/// <summary>Exchanges an API key (client id + secret) for a short-lived bearer token.</summary>
public sealed class Endpoint(ClientAuthenticator clients, TokenIssuer issuer, IOptions<AuthOptions> options) : Endpoint<Request, Response>
{
    private const string ClientCredentials = "client_credentials";

    public override void Configure()
    {
        Post("/auth/token");
        AllowAnonymous();
        AllowFormData(urlEncoded: true);
        // The OAuth2 error shape is answered here instead of FastEndpoints' default 400.
        DontThrowIfValidationFails();
        Description(d => d
            .WithTags("Auth")
            .Produces<TokenError>(StatusCodes.Status400BadRequest, "application/problem+json")
            .Produces<TokenError>(StatusCodes.Status401Unauthorized, "application/problem+json")
            .ProducesProblemDetails(StatusCodes.Status429TooManyRequests));
        Summary(s =>
        {
            s.Summary = "Exchange an API key for a bearer token (OAuth2 client credentials)";
            s.Description = "Form-encoded `grant_type=client_credentials`, `client_id`, `client_secret`. "
                + "Answers a JWT valid for the configured lifetime (15 minutes by default).";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        // RFC 6749 §5.1: token responses must not be cached by anyone.
        HttpContext.Response.Headers.CacheControl = "no-store";
        HttpContext.Response.Headers.Pragma = "no-cache";

        var basic = BasicCredentials();
        var failures = basic is null
            ? ValidationFailures
            : ValidationFailures.Where(f => f.PropertyName is not ("client_id" or "client_secret")).ToList();
        if (failures.Count > 0)
        {
            var errors = failures.Select(f => new FieldError(f.PropertyName, f.ErrorMessage)).ToList();
            await SendErrorAsync(StatusCodes.Status400BadRequest, "invalid_request",
                "Missing or invalid fields: " + string.Join(", ", errors.Select(e => e.Name).Distinct()) + ".", errors, ct);
            return;
        }

        if (req.GrantType != ClientCredentials)
        {
            await SendErrorAsync(StatusCodes.Status400BadRequest, "unsupported_grant_type",
                $"Only grant_type={ClientCredentials} is supported.", [new FieldError("grant_type", $"must be '{ClientCredentials}'")], ct);
            return;
        }

        if (options.Value.UsesExternalAuthority)
        {
            await SendErrorAsync(StatusCodes.Status400BadRequest, "unsupported_grant_type",
                $"Tokens are issued by {options.Value.Authority}, not by this API.", [], ct);
            return;
        }

        var (clientId, secret) = basic ?? (req.ClientId!, req.ClientSecret!);
        var (client, retryAfter) = await clients.AuthenticateAsync(clientId, secret, HttpContext.Connection.RemoteIpAddress, ct);
        if (retryAfter is { } wait)
        {
            // Checked before any hashing: a flood of guesses costs a Redis round trip each, not PBKDF2.
            var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
            HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            await Problems.WriteAsync(HttpContext, StatusCodes.Status429TooManyRequests, "Too many token requests",
                $"Too many token requests for this client or from this address; try again in {seconds} s.");
            return;
        }

        if (client is null)
        {
            // One answer for unknown, revoked and wrong-secret clients alike.
            await SendErrorAsync(StatusCodes.Status401Unauthorized, "invalid_client",
                "Client authentication failed.", [], ct);
            return;
        }

        var token = issuer.Issue(client);
        await Send.OkAsync(new Response(token.AccessToken, "Bearer", (int)token.Lifetime.TotalSeconds), ct);
    }

    /// <summary>
    /// RFC 6749 §2.3.1 lets clients send their credentials as HTTP Basic instead of form fields;
    /// both are accepted, the header when the fields are absent.
    /// </summary>
    private (string ClientId, string Secret)? BasicCredentials()
    {
        var header = HttpContext.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        try
        {
            var decoded = global::System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim()));
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            return colon <= 0
                ? null
                : (Uri.UnescapeDataString(decoded[..colon]), Uri.UnescapeDataString(decoded[(colon + 1)..]));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private async Task SendErrorAsync(int status, string error, string description, IReadOnlyList<FieldError> errors, CancellationToken ct)
    {
        if (status == StatusCodes.Status401Unauthorized)
        {
            // RFC 6749 §5.2: a 401 for invalid_client names the authentication scheme the client may use.
            HttpContext.Response.Headers.WWWAuthenticate = "Basic realm=\"ductus\"";
        }

        var body = new TokenError(
            $"https://www.rfc-editor.org/rfc/rfc6749#section-5.2",
            status == StatusCodes.Status401Unauthorized ? "Client authentication failed" : "Invalid token request",
            status,
            description,
            error,
            description,
            errors);
        await Send.ResultAsync(Results.Json(body, statusCode: status, contentType: "application/problem+json"));
    }
}
