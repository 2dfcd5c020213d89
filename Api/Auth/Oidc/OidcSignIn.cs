using System.Buffers.Text;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ductus.Core.Auth;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using StackExchange.Redis;

namespace Ductus.Api.Auth.Oidc;

/// <summary>Who the issuer signed in, as the session will carry them.</summary>
/// <param name="Grants">What the user may see beyond its roles: <c>pii:read</c> when the ID token or its role mapping gives it.</param>
public sealed record OidcUser(string Subject, Guid WorkspaceId, IReadOnlyList<string> Roles, IReadOnlyList<string>? Grants = null);

/// <summary>A sign-in that could not finish: the status and the words the user sees.</summary>
public sealed record OidcFailure(int Status, string Title, string Detail);

/// <summary>A sign-in the issuer confirmed, with the local path the user started from.</summary>
public sealed record OidcSuccess(OidcUser User, string ReturnUrl);

/// <summary>Where to send the browser to sign in, and the value of the cookie that ties the answer to this browser.</summary>
public sealed record OidcChallenge(Uri AuthorizationUrl, string Binding);

/// <summary>
/// Browser sign-in through the external issuer: the authorization code flow with PKCE (S256),
/// run by the Api so that no token and no client secret ever reach the browser; the result is
/// the same session cookie an API-key sign-in gets.
/// <para>
/// Not ASP.NET Core's OpenIdConnect handler: it signs in through a cookie scheme of its own and
/// keeps state and nonce in SameSite=None correlation cookies (which need HTTPS, and which a
/// replayed callback can carry again). Here state, nonce and verifier stay in Redis for one use,
/// shared by every replica, and the outcome goes straight into <see cref="Sessions.SessionStore"/>.
/// </para>
/// </summary>
public sealed class OidcSignIn
{
    public const string HttpClientName = "oidc";

    /// <summary>
    /// Ties the callback to the browser that started the sign-in, so nobody can hand a victim a
    /// callback link that signs them in as the attacker. SameSite=Lax: the issuer's redirect back
    /// is a cross-site navigation, on which a Strict cookie would not be sent.
    /// </summary>
    public const string BindingCookie = "ductus_oidc";

    private const string KeyPrefix = "ductus:oidc:login:";

    private static readonly string[] AsymmetricAlgorithms =
    [
        SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
        SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.RsaSsaPssSha384, SecurityAlgorithms.RsaSsaPssSha512,
        SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.EcdsaSha512,
    ];

    private readonly AuthOptions _options;
    private readonly IConnectionMultiplexer _redis;
    private readonly HttpClient _http;
    private readonly ILogger<OidcSignIn> _logger;
    private readonly ConfigurationManager<OpenIdConnectConfiguration> _discovery;
    private readonly JsonWebTokenHandler _tokens = new();

    public OidcSignIn(IOptions<AuthOptions> options, IConnectionMultiplexer redis, IHttpClientFactory http, ILogger<OidcSignIn> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(http);
        _options = options.Value;
        _redis = redis;
        _logger = logger;
        _http = http.CreateClient(HttpClientName);
        var authority = _options.Authority?.TrimEnd('/') ?? throw new InvalidOperationException($"{AuthOptions.Section}:Authority is not set.");
        _discovery = new ConfigurationManager<OpenIdConnectConfiguration>(
            authority + "/.well-known/openid-configuration",
            new OpenIdConnectConfigurationRetriever(),
            new HttpDocumentRetriever(_http) { RequireHttps = _options.RequireHttpsMetadata });
    }

    private OidcOptions Oidc => _options.Oidc;

    /// <summary>The issuer's name on the sign-in button.</summary>
    public string DisplayName => string.IsNullOrWhiteSpace(Oidc.DisplayName) ? new Uri(_options.Authority!).Host : Oidc.DisplayName;

    /// <summary>
    /// Keeps a fresh state, nonce and PKCE verifier for <see cref="OidcOptions.LoginTimeout"/>
    /// and answers the issuer's authorization URL; null (with the reason logged) when the
    /// issuer's discovery document cannot be read.
    /// </summary>
    public async Task<OidcChallenge?> BeginAsync(string returnUrl, Uri redirectUri, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(redirectUri);
        var configuration = await DiscoverAsync(ct);
        if (configuration is null)
        {
            return null;
        }

        var state = NewSecret();
        var nonce = NewSecret();
        var verifier = NewSecret();
        var binding = NewSecret();
        var pending = new PendingSignIn(verifier, nonce, returnUrl, redirectUri.AbsoluteUri, Hash(binding));
        await _redis.GetDatabase().StringSetAsync(KeyPrefix + state, JsonSerializer.Serialize(pending), Oidc.LoginTimeout);

        var url = QueryHelpers.AddQueryString(configuration.AuthorizationEndpoint, new Dictionary<string, string?>
        {
            ["response_type"] = "code",
            ["client_id"] = Oidc.ClientId,
            ["redirect_uri"] = redirectUri.AbsoluteUri,
            ["scope"] = string.Join(' ', Oidc.ScopeList),
            ["state"] = state,
            ["nonce"] = nonce,
            ["code_challenge"] = Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))),
            ["code_challenge_method"] = "S256",
        });
        return new OidcChallenge(new Uri(url), binding);
    }

    /// <summary>
    /// Takes <paramref name="state"/> (once: a second callback with it fails), checks that
    /// <paramref name="binding"/> is this browser's, and ends the sign-in: the issuer's error when
    /// it sent one, else the code exchanged with the verifier and the ID token validated.
    /// </summary>
    public async Task<(OidcSuccess? Success, OidcFailure? Failure)> CompleteAsync(
        string? state, string? code, string? error, string? errorDescription, string? binding, CancellationToken ct)
    {
        var pending = await TakeAsync(state);
        if (pending is null)
        {
            return Fail(StatusCodes.Status400BadRequest, "Sign-in expired or already used",
                "This sign-in link is unknown, was already used, or is older than "
                + $"{Oidc.LoginTimeout.TotalMinutes:0} minutes (state). Start again from the sign-in page.");
        }

        if (binding is null || !CryptographicOperations.FixedTimeEquals(Hash(binding), pending.BindingHash))
        {
            return Fail(StatusCodes.Status400BadRequest, "Sign-in started elsewhere",
                "This sign-in was started in another browser or its cookie expired (state). Start again from the sign-in page.");
        }

        if (!string.IsNullOrEmpty(error))
        {
            // The issuer's own words: "access_denied" when the user declined or may not use this client.
            var status = error is "access_denied" or "login_required" or "consent_required" or "interaction_required"
                ? StatusCodes.Status403Forbidden
                : StatusCodes.Status502BadGateway;
            return Fail(status, "The identity provider did not sign you in",
                $"{DisplayName} answered '{error}'" + (string.IsNullOrWhiteSpace(errorDescription) ? "." : $": {errorDescription}"));
        }

        if (string.IsNullOrEmpty(code))
        {
            return Fail(StatusCodes.Status400BadRequest, "No authorization code", "The identity provider sent neither a code nor an error (code).");
        }

        var configuration = await DiscoverAsync(ct);
        if (configuration is null)
        {
            return Fail(StatusCodes.Status502BadGateway, "Identity provider unavailable", $"{DisplayName}'s configuration could not be read; try again later.");
        }

        var (idToken, exchangeFailure) = await ExchangeAsync(configuration, code, pending, ct);
        if (exchangeFailure is not null)
        {
            return (null, exchangeFailure);
        }

        var (user, tokenFailure) = await ValidateAsync(idToken!, pending.Nonce, configuration, ct);
        return tokenFailure is not null ? (null, tokenFailure) : (new OidcSuccess(user!, pending.ReturnUrl), null);
    }

    private async Task<PendingSignIn?> TakeAsync(string? state)
    {
        // 32 random bytes in base64url; anything else is not ours and is not looked up.
        if (state is not { Length: 43 })
        {
            return null;
        }

        // GETDEL: of two callbacks racing with one state, on any replicas, exactly one gets it.
        var stored = await _redis.GetDatabase().StringGetDeleteAsync(KeyPrefix + state);
        return stored.IsNullOrEmpty ? null : JsonSerializer.Deserialize<PendingSignIn>(stored.ToString());
    }

    private async Task<(string? IdToken, OidcFailure? Failure)> ExchangeAsync(
        OpenIdConnectConfiguration configuration, string code, PendingSignIn pending, CancellationToken ct)
    {
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = pending.RedirectUri,
            ["code_verifier"] = pending.Verifier,
            ["client_id"] = Oidc.ClientId!,
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, configuration.TokenEndpoint);
        if (!string.IsNullOrEmpty(Oidc.ClientSecret))
        {
            // client_secret_basic is the default every issuer supports (OIDC Core 9); _post only
            // for an issuer that announces nothing else.
            var methods = configuration.TokenEndpointAuthMethodsSupported;
            if (methods.Count > 0 && !methods.Contains("client_secret_basic") && methods.Contains("client_secret_post"))
            {
                form["client_secret"] = Oidc.ClientSecret;
            }
            else
            {
                var pair = $"{Uri.EscapeDataString(Oidc.ClientId!)}:{Uri.EscapeDataString(Oidc.ClientSecret)}";
                request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(pair)));
            }
        }

        request.Content = new FormUrlEncodedContent(form);
        try
        {
            using var response = await _http.SendAsync(request, ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            JsonElement json;
            try
            {
                json = JsonSerializer.Deserialize<JsonElement>(body);
            }
            catch (JsonException)
            {
                json = default;
            }

            if (!response.IsSuccessStatusCode)
            {
                var error = Text(json, "error");
                _logger.LogWarning("The OIDC token endpoint refused the code with {Status}: {Error} {Description}",
                    (int)response.StatusCode, error, Text(json, "error_description"));
                return error is null || (int)response.StatusCode >= 500
                    ? (null, new OidcFailure(StatusCodes.Status502BadGateway, "Identity provider unavailable",
                        $"{DisplayName} answered {(int)response.StatusCode} when the sign-in was completed; try again later."))
                    : (null, new OidcFailure(StatusCodes.Status400BadRequest, "The identity provider refused the sign-in",
                        $"{DisplayName} refused the authorization code: '{error}'"
                        + (Text(json, "error_description") is { } d ? $": {d}" : ".") + " Start again from the sign-in page."));
            }

            return Text(json, "id_token") is { } idToken
                ? (idToken, null)
                : (null, new OidcFailure(StatusCodes.Status502BadGateway, "No ID token",
                    $"{DisplayName}'s token endpoint answered without an id_token: is 'openid' among {OidcOptions.Section}:Scopes?"));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            _logger.LogWarning("The OIDC token endpoint could not be reached: {Message}", e.Message);
            return (null, new OidcFailure(StatusCodes.Status502BadGateway, "Identity provider unavailable",
                $"{DisplayName} could not be reached to complete the sign-in; try again later."));
        }
    }

    private async Task<(OidcUser? User, OidcFailure? Failure)> ValidateAsync(
        string idToken, string nonce, OpenIdConnectConfiguration configuration, CancellationToken ct)
    {
        var result = await _tokens.ValidateTokenAsync(idToken, Parameters(configuration));
        if (result.Exception is SecurityTokenSignatureKeyNotFoundException)
        {
            // The issuer may have rotated its keys since they were fetched: read them again, once.
            _discovery.RequestRefresh();
            configuration = await DiscoverAsync(ct) ?? configuration;
            result = await _tokens.ValidateTokenAsync(idToken, Parameters(configuration));
        }

        if (!result.IsValid || result.SecurityToken is not JsonWebToken token)
        {
            _logger.LogWarning("An OIDC ID token was refused: {Reason}", result.Exception?.Message);
            return (null, new OidcFailure(StatusCodes.Status401Unauthorized, "ID token refused",
                $"The ID token from {DisplayName} is not valid for this client ({Reason(result.Exception)}). Start again from the sign-in page."));
        }

        var presented = token.TryGetPayloadValue<string>("nonce", out var n) ? n : null;
        if (presented is null || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(nonce)))
        {
            return (null, new OidcFailure(StatusCodes.Status401Unauthorized, "ID token refused",
                $"The ID token from {DisplayName} was not issued for this sign-in (nonce). Start again from the sign-in page."));
        }

        // With several audiences, the token must say it was issued to us (OIDC Core 3.1.3.7).
        if (token.Audiences.Count() > 1 && (!token.TryGetPayloadValue<string>("azp", out var azp) || azp != Oidc.ClientId))
        {
            return (null, new OidcFailure(StatusCodes.Status401Unauthorized, "ID token refused",
                $"The ID token from {DisplayName} names several audiences and was not issued to this client (azp)."));
        }

        var subject = token.Subject;
        if (string.IsNullOrEmpty(subject) || subject.Length > 255)
        {
            return (null, new OidcFailure(StatusCodes.Status401Unauthorized, "ID token refused", $"The ID token from {DisplayName} names no user (sub)."));
        }

        var granted = token.Claims.Where(c => c.Type == Oidc.RoleClaim).Select(c => c.Value).ToList();
        var roles = granted.Where(Roles.IsKnown).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (roles.Count == 0)
        {
            return (null, new OidcFailure(StatusCodes.Status403Forbidden, "No Ductus role",
                $"{DisplayName} signed in '{subject}' but gave no Ductus role in the '{Oidc.RoleClaim}' claim "
                + $"(it had: {(granted.Count == 0 ? "none" : string.Join(", ", granted))}; expected one of {string.Join(", ", Roles.All)}). "
                + "Ask an administrator of the identity provider to grant one."));
        }

        var workspace = token.Claims.FirstOrDefault(c => c.Type == Oidc.WorkspaceClaim)?.Value;
        if (!Guid.TryParse(workspace, out var workspaceId))
        {
            return (null, new OidcFailure(StatusCodes.Status403Forbidden, "No Ductus workspace",
                $"{DisplayName} signed in '{subject}' but gave no workspace id in the '{Oidc.WorkspaceClaim}' claim"
                + (workspace is null ? "." : $" ('{workspace}' is not a workspace id).") + " Ask an administrator of the identity provider to set one."));
        }

        // pii:read from the issuer's own grant claim, or from a role the options map to it.
        var piiRead = token.Claims.Any(c => c.Type == DuctusClaims.Grant && c.Value == Grants.PiiRead)
            || granted.Intersect(Oidc.PiiReadRoles, StringComparer.Ordinal).Any();
        return (new OidcUser(subject, workspaceId, roles, piiRead ? [Grants.PiiRead] : []), null);
    }

    private TokenValidationParameters Parameters(OpenIdConnectConfiguration configuration) => new()
    {
        ValidIssuer = configuration.Issuer,
        ValidAudience = Oidc.ClientId,
        IssuerSigningKeys = configuration.SigningKeys,
        ValidAlgorithms = AsymmetricAlgorithms,
        ValidateIssuer = true,
        ValidateAudience = true,
        ValidateLifetime = true,
        RequireExpirationTime = true,
        RequireSignedTokens = true,
        ClockSkew = TimeSpan.FromSeconds(30),
    };

    private async Task<OpenIdConnectConfiguration?> DiscoverAsync(CancellationToken ct)
    {
        try
        {
            return await _discovery.GetConfigurationAsync(ct);
        }
        catch (InvalidOperationException e)
        {
            // The manager wraps every retrieval failure (unreachable, not JSON, http refused) in this.
            _logger.LogWarning("The OIDC discovery document of {Authority} could not be read: {Message}", _options.Authority, e.InnerException?.Message ?? e.Message);
            return null;
        }
    }

    private static string Reason(Exception? e) => e switch
    {
        SecurityTokenInvalidAudienceException => "it was issued to another client (aud)",
        SecurityTokenInvalidIssuerException => "another issuer signed it (iss)",
        SecurityTokenExpiredException => "it has expired (exp)",
        SecurityTokenNotYetValidException => "it is not valid yet (nbf)",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "its signature does not match the issuer's keys",
        SecurityTokenInvalidAlgorithmException => "it is signed with an algorithm this Api does not accept",
        _ => "it could not be read",
    };

    private static string? Text(JsonElement json, string property) =>
        json.ValueKind == JsonValueKind.Object && json.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    private static (OidcSuccess?, OidcFailure?) Fail(int status, string title, string detail) => (null, new OidcFailure(status, title, detail));

    private static string NewSecret() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    private static byte[] Hash(string value) => SHA256.HashData(Encoding.UTF8.GetBytes(value));

    /// <summary>What the callback needs from the login: kept in Redis under the state, never in the browser.</summary>
    private sealed record PendingSignIn(string Verifier, string Nonce, string ReturnUrl, string RedirectUri, byte[] BindingHash);
}
