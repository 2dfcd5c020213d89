using System.Net;
using Microsoft.Extensions.Hosting;

namespace Ductus.Tests.Unit.Telemetry;

public sealed class MetricsAccessTests
{
    private const string Token = "scrape-token-0123456789abcdef";

    private static MetricsAccess Access(string[]? networks = null, string? token = Token) =>
        new(new MetricsAccessOptions { AllowedNetworks = networks, ScrapeToken = token });

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.8.9.10")]
    [InlineData("::1")]
    // Kestrel's dual-stack sockets report IPv4 clients as IPv4-mapped IPv6.
    [InlineData("::ffff:127.0.0.1")]
    public void Loopback_may_scrape_without_a_token_by_default(string remote) =>
        Assert.Equal(MetricsAccessDecision.Allowed, Access().Decide(IPAddress.Parse(remote), null));

    [Theory]
    [InlineData("10.0.0.5")]
    [InlineData("192.168.1.20")]
    [InlineData("::ffff:10.0.0.5")]
    [InlineData("2001:db8::1")]
    public void Any_other_address_needs_the_token_by_default(string remote) =>
        Assert.Equal(MetricsAccessDecision.TokenRequired, Access().Decide(IPAddress.Parse(remote), null));

    [Fact]
    public void Configured_networks_replace_loopback_rather_than_add_to_it()
    {
        var access = Access(["10.42.0.0/16", "fd00::/8"]);

        Assert.Equal(MetricsAccessDecision.Allowed, access.Decide(IPAddress.Parse("10.42.7.1"), null));
        Assert.Equal(MetricsAccessDecision.Allowed, access.Decide(IPAddress.Parse("::ffff:10.42.7.1"), null));
        Assert.Equal(MetricsAccessDecision.Allowed, access.Decide(IPAddress.Parse("fd12::5"), null));
        Assert.Equal(MetricsAccessDecision.TokenRequired, access.Decide(IPAddress.Parse("10.43.0.1"), null));
        Assert.Equal(MetricsAccessDecision.TokenRequired, access.Decide(IPAddress.Parse("127.0.0.1"), null));
        Assert.Equal(MetricsAccessDecision.TokenRequired, access.Decide(null, null));
    }

    [Fact]
    public void The_scrape_token_opens_it_from_anywhere_and_any_other_credential_is_refused_even_from_an_allowed_network()
    {
        var access = Access();
        var outside = IPAddress.Parse("203.0.113.9");

        Assert.Equal(MetricsAccessDecision.Allowed, access.Decide(outside, "Bearer " + Token));
        Assert.Equal(MetricsAccessDecision.Allowed, access.Decide(outside, "bearer " + Token));
        Assert.Equal(MetricsAccessDecision.TokenRejected, access.Decide(outside, "Bearer " + Token[..^1]));
        Assert.Equal(MetricsAccessDecision.TokenRejected, access.Decide(outside, "Basic " + Token));
        Assert.Equal(MetricsAccessDecision.TokenRejected, access.Decide(IPAddress.Loopback, "Bearer wrong"));
    }

    [Fact]
    public void Without_a_configured_token_no_token_is_accepted()
    {
        var access = Access(token: null);

        Assert.Equal(MetricsAccessDecision.TokenRejected, access.Decide(IPAddress.Parse("203.0.113.9"), "Bearer "));
        Assert.Equal(MetricsAccessDecision.TokenRejected, access.Decide(IPAddress.Parse("203.0.113.9"), "Bearer anything-at-all-long-enough"));
        Assert.Equal(MetricsAccessDecision.Allowed, access.Decide(IPAddress.Loopback, null));
    }

    [Fact]
    public void The_validator_names_the_bad_network_and_a_short_token()
    {
        var result = new MetricsAccessOptionsValidator().Validate(null, new MetricsAccessOptions { AllowedNetworks = ["10.0.0.0/8", "10.0.0.0/33", "prometheus"], ScrapeToken = "short" });

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.Contains("'10.0.0.0/33'", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.Contains("'prometheus'", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.Contains("ScrapeToken", StringComparison.Ordinal));
        Assert.DoesNotContain(result.Failures!, f => f.Contains("'10.0.0.0/8'", StringComparison.Ordinal));
        Assert.True(new MetricsAccessOptionsValidator().Validate(null, new MetricsAccessOptions()).Succeeded);
    }
}
