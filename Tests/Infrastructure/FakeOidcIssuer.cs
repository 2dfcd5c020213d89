using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Web;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Ductus.Tests.Infrastructure;

/// <summary>What the fake issuer does wrong on purpose, to prove the Api notices.</summary>
public enum IssuerFault
{
    None,

    /// <summary>Records another code_challenge than the one sent, so the Api's verifier fails at /token.</summary>
    WrongChallenge,

    /// <summary>The ID token carries a nonce other than the one the Api sent.</summary>
    WrongNonce,

    /// <summary>The ID token is issued to another client (aud).</summary>
    WrongAudience,

    /// <summary>The ID token is signed with a key the issuer does not publish.</summary>
    UnpublishedKey,

    /// <summary>/authorize answers error=access_denied, as when the user declines.</summary>
    AccessDenied,
}

/// <summary>
/// A stand-in for the external OpenID Connect issuer (Keycloak, Entra ID): discovery, JWKS with an
/// RSA key made here, an /authorize that approves at once and redirects back with a code, and a
/// /token that checks the code's PKCE verifier (S256) and the client's secret before it signs an
/// ID token. It fakes the identity provider only; PostgreSQL and Redis stay real.
/// </summary>
public sealed class FakeOidcIssuer : IAsyncDisposable
{
    public const string ClientId = "ductus-web";

    private readonly TestHttpServer _server;
    private readonly RsaSecurityKey _key;
    private readonly RsaSecurityKey _unpublished;
    private readonly ConcurrentDictionary<string, Grant> _grants = new();

    public FakeOidcIssuer()
    {
        _key = new RsaSecurityKey(RSA.Create(2048)) { KeyId = "test-key-1" };
        _unpublished = new RsaSecurityKey(RSA.Create(2048)) { KeyId = "test-key-1" };
        _server = new TestHttpServer(HandleAsync, concurrent: true);
    }

    public string ClientSecret { get; } = "issuer-secret-" + Guid.NewGuid().ToString("N");

    /// <summary>The issuer identifier, also the Api's <c>Ductus:Auth:Authority</c>.</summary>
    public string Issuer => $"http://127.0.0.1:{_server.Port}";

    /// <summary>Claims of whoever signs in next (beside iss, aud, exp, iat, nonce).</summary>
    public Dictionary<string, object> NextUser { get; set; } = [];

    public IssuerFault Fault { get; set; }

    /// <summary>Every authorization request's query, in order.</summary>
    public ConcurrentQueue<Dictionary<string, string>> Authorizations { get; } = new();

    /// <summary>Every token request's form and whether its verifier matched the recorded challenge.</summary>
    public ConcurrentQueue<(Dictionary<string, string> Form, bool VerifierMatched)> TokenRequests { get; } = new();

    public void Reset(Dictionary<string, object> user)
    {
        NextUser = user;
        Fault = IssuerFault.None;
        Authorizations.Clear();
        TokenRequests.Clear();
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private async Task HandleAsync(HttpListenerContext context)
    {
        var path = context.Request.Url!.AbsolutePath;
        switch (path)
        {
            case "/.well-known/openid-configuration":
                await TestHttpServer.WriteAsync(context, $$"""
                    {
                      "issuer": "{{Issuer}}",
                      "authorization_endpoint": "{{Issuer}}/authorize",
                      "token_endpoint": "{{Issuer}}/token",
                      "jwks_uri": "{{Issuer}}/jwks",
                      "response_types_supported": ["code"],
                      "subject_types_supported": ["public"],
                      "id_token_signing_alg_values_supported": ["RS256"],
                      "code_challenge_methods_supported": ["S256"],
                      "token_endpoint_auth_methods_supported": ["client_secret_basic"]
                    }
                    """);
                break;
            case "/jwks":
                var rsa = _key.Rsa.ExportParameters(includePrivateParameters: false);
                await TestHttpServer.WriteAsync(context, JsonSerializer.Serialize(new
                {
                    keys = new[]
                    {
                        new { kty = "RSA", use = "sig", alg = "RS256", kid = _key.KeyId, n = Base64Url.EncodeToString(rsa.Modulus), e = Base64Url.EncodeToString(rsa.Exponent) },
                    },
                }));
                break;
            case "/authorize":
                Authorize(context);
                break;
            case "/token":
                await TokenAsync(context);
                break;
            default:
                context.Response.StatusCode = 404;
                break;
        }
    }

    private void Authorize(HttpListenerContext context)
    {
        var query = Flatten(HttpUtility.ParseQueryString(context.Request.Url!.Query));
        Authorizations.Enqueue(query);
        var back = query.GetValueOrDefault("redirect_uri", "");
        var state = query.GetValueOrDefault("state", "");
        if (query.GetValueOrDefault("client_id") != ClientId || back.Length == 0)
        {
            context.Response.StatusCode = 400;
            return;
        }

        string location;
        if (Fault == IssuerFault.AccessDenied)
        {
            location = $"{back}?error=access_denied&error_description={Uri.EscapeDataString("The user <b>declined</b> the request.")}&state={Uri.EscapeDataString(state)}";
        }
        else
        {
            var code = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(24));
            var challenge = query.GetValueOrDefault("code_challenge", "");
            _grants[code] = new Grant(
                Fault == IssuerFault.WrongChallenge ? challenge[1..] + "A" : challenge,
                query.GetValueOrDefault("code_challenge_method", ""),
                query.GetValueOrDefault("nonce", ""),
                back,
                new Dictionary<string, object>(NextUser));
            location = $"{back}?code={Uri.EscapeDataString(code)}&state={Uri.EscapeDataString(state)}";
        }

        context.Response.StatusCode = 302;
        context.Response.RedirectLocation = location;
    }

    private async Task TokenAsync(HttpListenerContext context)
    {
        using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
        var form = Flatten(HttpUtility.ParseQueryString(await reader.ReadToEndAsync()));
        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{ClientId}:{ClientSecret}"));
        if (context.Request.Headers["Authorization"] != expected)
        {
            TokenRequests.Enqueue((form, false));
            await TestHttpServer.WriteAsync(context, """{"error":"invalid_client"}""", 401);
            return;
        }

        // A code is good once, for the redirect_uri it was issued to, with the verifier of its challenge.
        if (form.GetValueOrDefault("grant_type") != "authorization_code"
            || !_grants.TryRemove(form.GetValueOrDefault("code", ""), out var grant)
            || form.GetValueOrDefault("redirect_uri") != grant.RedirectUri)
        {
            TokenRequests.Enqueue((form, false));
            await TestHttpServer.WriteAsync(context, """{"error":"invalid_grant","error_description":"unknown code"}""", 400);
            return;
        }

        var verifier = form.GetValueOrDefault("code_verifier", "");
        var matched = grant.Method == "S256" && Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))) == grant.Challenge;
        TokenRequests.Enqueue((form, matched));
        if (!matched)
        {
            await TestHttpServer.WriteAsync(context, """{"error":"invalid_grant","error_description":"PKCE verification failed"}""", 400);
            return;
        }

        var claims = new Dictionary<string, object>(grant.User)
        {
            ["nonce"] = Fault == IssuerFault.WrongNonce ? "another-sign-in" : grant.Nonce,
        };
        var now = DateTime.UtcNow;
        var idToken = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Fault == IssuerFault.WrongAudience ? "some-other-client" : ClientId,
            Claims = claims,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(5),
            SigningCredentials = new SigningCredentials(Fault == IssuerFault.UnpublishedKey ? _unpublished : _key, SecurityAlgorithms.RsaSha256),
        });
        await TestHttpServer.WriteAsync(context, JsonSerializer.Serialize(new
        {
            access_token = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(24)),
            token_type = "Bearer",
            expires_in = 300,
            id_token = idToken,
        }));
    }

    private static Dictionary<string, string> Flatten(System.Collections.Specialized.NameValueCollection values) =>
        values.AllKeys.Where(k => k is not null).ToDictionary(k => k!, k => values[k]!);

    private sealed record Grant(string Challenge, string Method, string Nonce, string RedirectUri, Dictionary<string, object> User);
}
