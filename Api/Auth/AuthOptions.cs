using Microsoft.Extensions.Options;

namespace Ductus.Api.Auth;

/// <summary>Configuration section <c>Ductus:Auth</c>.</summary>
public sealed class AuthOptions
{
    public const string Section = "Ductus:Auth";

    /// <summary>HMAC-SHA256 key that signs the tokens <c>/auth/token</c> issues (the AppHost's <c>jwt-signing-key</c>).</summary>
    public string? SigningKey { get; set; }

    /// <summary>Secret of the bootstrap <c>admin</c> client (the AppHost's <c>admin-key</c>); no bootstrap client when empty.</summary>
    public string? AdminKey { get; set; }

    /// <summary>How long an issued token is valid.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// How long a browser session (<c>POST /auth/session</c>) lasts from sign-in, however active:
    /// an absolute limit, so a stolen cookie is worth a working day at most.
    /// </summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    public string Issuer { get; set; } = "ductus";

    public string Audience { get; set; } = "ductus-api";

    /// <summary>
    /// An external OpenID Connect issuer. When set, bearer tokens are validated against its
    /// discovery document and keys instead of <see cref="SigningKey"/>, and <c>/auth/token</c>
    /// refuses to issue tokens.
    /// </summary>
    public string? Authority { get; set; }

    public bool UsesExternalAuthority => !string.IsNullOrWhiteSpace(Authority);

    /// <summary>
    /// Whether the authority's discovery document and keys must come over HTTPS. Only a loopback
    /// authority (a development or test issuer on this machine) may turn it off: anywhere else a
    /// network attacker could hand the Api signing keys of their own.
    /// </summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>Browser sign-in through <see cref="Authority"/> (<c>Ductus:Auth:Oidc</c>).</summary>
    public OidcOptions Oidc { get; set; } = new();

    /// <summary>Whether browsers sign in at <c>GET /auth/oidc/login</c>: an authority and a client id are set.</summary>
    public bool UsesOidcSignIn => UsesExternalAuthority && !string.IsNullOrWhiteSpace(Oidc.ClientId);

    /// <summary>
    /// Secret verifications (PBKDF2) per <see cref="TokenAttemptWindow"/> for one client id. Only
    /// exchanges that must hash count: a secret this process verified before does not.
    /// </summary>
    public int TokenAttemptsPerClient { get; set; } = 10;

    /// <summary>Secret verifications per <see cref="TokenAttemptWindow"/> from one IP address, whatever client ids it names.</summary>
    public int TokenAttemptsPerAddress { get; set; } = 60;

    public TimeSpan TokenAttemptWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a verified client id + secret is remembered (API keys do not expire; revocation ends it at once).</summary>
    public TimeSpan VerifiedSecretLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Most verified secrets remembered per Api process; beyond it, newcomers are hashed each time.</summary>
    public int VerifiedSecretCapacity { get; set; } = 10_000;
}

/// <summary>
/// Configuration section <c>Ductus:Auth:Oidc</c>: the Api as a client of the external issuer,
/// signing browsers in with the authorization code flow and PKCE. Only meaningful with
/// <see cref="AuthOptions.Authority"/> set.
/// </summary>
public sealed class OidcOptions
{
    public const string Section = AuthOptions.Section + ":Oidc";

    /// <summary>Where the sign-in button sends the browser.</summary>
    public const string LoginPath = "/auth/oidc/login";

    /// <summary>The Api's callback route, which the issuer redirects the browser back to.</summary>
    public const string CallbackPath = "/auth/oidc/callback";

    /// <summary>The client id registered at the issuer for the Ductus web UI.</summary>
    public string? ClientId { get; set; }

    /// <summary>
    /// Only for a confidential client; held by the Api, never sent to the browser. Set it as a
    /// secret (the AppHost parameter <c>oidc-client-secret</c>, an environment variable), never in a file in the repository.
    /// </summary>
    public string? ClientSecret { get; set; }

    /// <summary>Space-separated scopes asked for; must include <c>openid</c>.</summary>
    public string Scopes { get; set; } = "openid profile";

    /// <summary>The ID token claim holding the user's roles (one claim each or an array).</summary>
    public string RoleClaim { get; set; } = DuctusClaims.Role;

    /// <summary>
    /// Values of <see cref="RoleClaim"/> that give the user the <c>pii:read</c> grant (personal
    /// data unmasked), e.g. a <c>dpo</c> group. A <c>grant</c> claim of <c>pii:read</c> gives it too.
    /// </summary>
    public IReadOnlyList<string> PiiReadRoles { get; set; } = [];

    /// <summary>The ID token claim holding the user's workspace id.</summary>
    public string WorkspaceClaim { get; set; } = DuctusClaims.Workspace;

    /// <summary>What the sign-in button calls the issuer; the authority's host when unset.</summary>
    public string? DisplayName { get; set; }

    /// <summary>
    /// The callback URL registered at the issuer. Unset, it is built from the request
    /// (<c>scheme://host/auth/oidc/callback</c>); set it when a proxy in front of the Api changes the host or scheme.
    /// </summary>
    public string? RedirectUri { get; set; }

    /// <summary>How long a user has at the issuer between leaving and coming back to the callback.</summary>
    public TimeSpan LoginTimeout { get; set; } = TimeSpan.FromMinutes(10);

    public IReadOnlyList<string> ScopeList => Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

public sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    // 256 bits for HMAC-SHA256; the AppHost generates 64 characters.
    public const int MinimumSigningKeyLength = 32;

    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (!options.UsesExternalAuthority && (options.SigningKey?.Length ?? 0) < MinimumSigningKeyLength)
        {
            failures.Add($"{AuthOptions.Section}:SigningKey must be at least {MinimumSigningKeyLength} characters (it has {options.SigningKey?.Length ?? 0}); set it, or set {AuthOptions.Section}:Authority to use an external issuer.");
        }

        if (options.TokenLifetime < TimeSpan.FromMinutes(1) || options.TokenLifetime > TimeSpan.FromHours(24))
        {
            failures.Add($"{AuthOptions.Section}:TokenLifetime must be between 00:01:00 and 1.00:00:00, not {options.TokenLifetime}.");
        }

        if (options.SessionLifetime < TimeSpan.FromMinutes(5) || options.SessionLifetime > TimeSpan.FromDays(7))
        {
            failures.Add($"{AuthOptions.Section}:SessionLifetime must be between 00:05:00 and 7.00:00:00, not {options.SessionLifetime}.");
        }

        if (options.UsesExternalAuthority && !Uri.TryCreate(options.Authority, UriKind.Absolute, out _))
        {
            failures.Add($"{AuthOptions.Section}:Authority must be an absolute URL, not '{options.Authority}'.");
        }

        if (options.UsesExternalAuthority && Uri.TryCreate(options.Authority, UriKind.Absolute, out var authority))
        {
            var loopback = authority.IsLoopback;
            if (options.RequireHttpsMetadata && authority.Scheme != Uri.UriSchemeHttps)
            {
                failures.Add($"{AuthOptions.Section}:Authority must use https, not '{options.Authority}' (for an issuer on this machine only, "
                    + $"{AuthOptions.Section}:RequireHttpsMetadata=false allows http).");
            }

            if (!options.RequireHttpsMetadata && !loopback)
            {
                failures.Add($"{AuthOptions.Section}:RequireHttpsMetadata may be false only for a loopback authority, not '{options.Authority}'.");
            }
        }

        ValidateOidc(options, failures);

        if (string.IsNullOrWhiteSpace(options.Issuer) || string.IsNullOrWhiteSpace(options.Audience))
        {
            failures.Add($"{AuthOptions.Section}:Issuer and :Audience must not be empty.");
        }

        foreach (var (key, value) in new[]
        {
            (nameof(AuthOptions.TokenAttemptsPerClient), options.TokenAttemptsPerClient),
            (nameof(AuthOptions.TokenAttemptsPerAddress), options.TokenAttemptsPerAddress),
            (nameof(AuthOptions.VerifiedSecretCapacity), options.VerifiedSecretCapacity),
        })
        {
            if (value < 1)
            {
                failures.Add($"{AuthOptions.Section}:{key} must be at least 1, not {value}.");
            }
        }

        if (options.TokenAttemptWindow < TimeSpan.FromSeconds(1) || options.TokenAttemptWindow > TimeSpan.FromHours(1))
        {
            failures.Add($"{AuthOptions.Section}:TokenAttemptWindow must be between 00:00:01 and 01:00:00, not {options.TokenAttemptWindow}.");
        }

        if (options.VerifiedSecretLifetime < TimeSpan.Zero || options.VerifiedSecretLifetime > TimeSpan.FromDays(1))
        {
            failures.Add($"{AuthOptions.Section}:VerifiedSecretLifetime must be between 00:00:00 (remember none) and 1.00:00:00, not {options.VerifiedSecretLifetime}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateOidc(AuthOptions options, List<string> failures)
    {
        var oidc = options.Oidc;
        var section = OidcOptions.Section;
        if (string.IsNullOrWhiteSpace(oidc.ClientId))
        {
            if (!string.IsNullOrEmpty(oidc.ClientSecret))
            {
                failures.Add($"{section}:ClientSecret is set but {section}:ClientId is not.");
            }

            return;
        }

        if (!options.UsesExternalAuthority)
        {
            failures.Add($"{section}:ClientId is set but {AuthOptions.Section}:Authority is not: browser sign-in through OIDC needs the issuer's address.");
        }

        if (oidc.ClientId.Length > 255)
        {
            failures.Add($"{section}:ClientId must be at most 255 characters (it has {oidc.ClientId.Length}).");
        }

        if (!oidc.ScopeList.Contains("openid", StringComparer.Ordinal))
        {
            failures.Add($"{section}:Scopes must include 'openid', not '{oidc.Scopes}'.");
        }

        foreach (var (key, value) in new[] { (nameof(OidcOptions.RoleClaim), oidc.RoleClaim), (nameof(OidcOptions.WorkspaceClaim), oidc.WorkspaceClaim) })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                failures.Add($"{section}:{key} must name a claim, not be empty.");
            }
        }

        if (oidc.PiiReadRoles.Any(string.IsNullOrWhiteSpace))
        {
            failures.Add($"{section}:PiiReadRoles must list role claim values, not empty ones.");
        }

        if (oidc.RedirectUri is { Length: > 0 } redirect)
        {
            if (!Uri.TryCreate(redirect, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && !(uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback)))
            {
                failures.Add($"{section}:RedirectUri must be an absolute https URL (http only on loopback), not '{redirect}'.");
            }
            else if (!uri.AbsolutePath.EndsWith(OidcOptions.CallbackPath, StringComparison.Ordinal))
            {
                failures.Add($"{section}:RedirectUri must end in {OidcOptions.CallbackPath}, not '{redirect}'.");
            }
        }

        if (oidc.LoginTimeout < TimeSpan.FromMinutes(1) || oidc.LoginTimeout > TimeSpan.FromHours(1))
        {
            failures.Add($"{section}:LoginTimeout must be between 00:01:00 and 01:00:00, not {oidc.LoginTimeout}.");
        }
    }
}
