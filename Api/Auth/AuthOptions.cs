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
}
