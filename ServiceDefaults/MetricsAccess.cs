using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>Who may scrape <c>/metrics</c> (<c>Ductus:Metrics</c>).</summary>
public sealed class MetricsAccessOptions
{
    public const string Section = "Ductus:Metrics";

    /// <summary>Loopback only, so a service reachable from outside never hands its metrics (pipeline and dataset names are in the labels) to whoever asks.</summary>
    public static readonly IReadOnlyList<string> DefaultNetworks = ["127.0.0.0/8", "::1/128"];

    /// <summary>
    /// CIDR ranges whose requests need no token: a Prometheus inside the cluster's network.
    /// Null means <see cref="DefaultNetworks"/>; a list replaces them (the binder would append to
    /// a pre-filled list, keeping loopback open when an operator meant to close it).
    /// </summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1819:Properties should not return arrays", Justification = "Bound from configuration.")]
    public string[]? AllowedNetworks { get; set; }

    public IReadOnlyList<string> EffectiveNetworks => AllowedNetworks ?? DefaultNetworks;

    /// <summary>The bearer token a scraper from anywhere else must send; none means only the allowed networks may scrape.</summary>
    public string? ScrapeToken { get; set; }
}

public sealed class MetricsAccessOptionsValidator : IValidateOptions<MetricsAccessOptions>
{
    /// <summary>Shorter tokens could be guessed by a scraper that tries often enough.</summary>
    public const int MinTokenLength = 16;

    public ValidateOptionsResult Validate(string? name, MetricsAccessOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.EffectiveNetworks
            .Where(n => !IPNetwork.TryParse(n, out _))
            .Select(n => $"{MetricsAccessOptions.Section}:AllowedNetworks holds '{n}', which is not a CIDR range such as 10.0.0.0/8.")
            .ToList();
        if (options.ScrapeToken is { } token && token.Length < MinTokenLength)
        {
            errors.Add($"{MetricsAccessOptions.Section}:ScrapeToken must be at least {MinTokenLength} characters (it has {token.Length}); leave it unset to allow only the allowed networks.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>What <see cref="MetricsAccess.Decide"/> says about one scrape request.</summary>
public enum MetricsAccessDecision
{
    Allowed,

    /// <summary>No token, from outside the allowed networks: 401.</summary>
    TokenRequired,

    /// <summary>A token that is not the scrape token: 403.</summary>
    TokenRejected,
}

/// <summary>The scrape rule: the scrape token from anywhere, or no credentials from an allowed network.</summary>
public sealed class MetricsAccess
{
    private const string BearerScheme = "Bearer ";

    private readonly IPNetwork[] _networks;
    private readonly byte[]? _tokenHash;

    public MetricsAccess(MetricsAccessOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _networks = [.. options.EffectiveNetworks.Select(n => IPNetwork.Parse(n))];
        _tokenHash = string.IsNullOrEmpty(options.ScrapeToken) ? null : Hash(options.ScrapeToken);
    }

    /// <param name="authorization">The request's Authorization header, if any.</param>
    public MetricsAccessDecision Decide(IPAddress? remote, string? authorization)
    {
        if (!string.IsNullOrEmpty(authorization))
        {
            // A wrong token is refused even from an allowed network: a scraper sending one is misconfigured.
            return _tokenHash is not null
                && authorization.StartsWith(BearerScheme, StringComparison.OrdinalIgnoreCase)
                // Hashing first gives equal lengths, so the comparison's time says nothing about the token.
                && CryptographicOperations.FixedTimeEquals(Hash(authorization[BearerScheme.Length..].Trim()), _tokenHash)
                ? MetricsAccessDecision.Allowed
                : MetricsAccessDecision.TokenRejected;
        }

        return IsAllowedNetwork(remote) ? MetricsAccessDecision.Allowed : MetricsAccessDecision.TokenRequired;
    }

    public bool IsAllowedNetwork(IPAddress? remote)
    {
        if (remote is null)
        {
            return false;
        }

        // Kestrel on a dual-stack socket reports IPv4 clients as ::ffff:a.b.c.d.
        var address = remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote;
        return _networks.Any(n => n.Contains(address));
    }

    private static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}
