using Ductus.Api.Auth;
using Ductus.Api.Auth.Oidc;

namespace Ductus.Tests.Unit.Auth;

public sealed class OidcOptionsTests
{
    private const string Authority = "https://login.example.com/realms/ductus";

    [Fact]
    public void An_issuer_with_a_client_id_validates_and_turns_browser_sign_in_on()
    {
        var options = new AuthOptions { Authority = Authority, Oidc = { ClientId = "ductus-web", ClientSecret = "s" } };
        var result = new AuthOptionsValidator().Validate(null, options);
        Assert.True(result.Succeeded, result.FailureMessage);
        Assert.True(options.UsesOidcSignIn);
        Assert.False(new AuthOptions { Authority = Authority }.UsesOidcSignIn);
    }

    [Theory]
    [InlineData(null, "ductus-web", null, "openid profile", "Ductus:Auth:Oidc:ClientId is set but Ductus:Auth:Authority is not")]
    [InlineData(Authority, null, "secret", "openid", "Ductus:Auth:Oidc:ClientSecret is set but Ductus:Auth:Oidc:ClientId is not")]
    [InlineData(Authority, "ductus-web", null, "profile email", "Ductus:Auth:Oidc:Scopes must include 'openid', not 'profile email'")]
    [InlineData("http://login.example.com/realms/ductus", "ductus-web", null, "openid", "Ductus:Auth:Authority must use https")]
    public void Bad_oidc_settings_are_refused_naming_the_key(string? authority, string? clientId, string? secret, string scopes, string message)
    {
        var result = new AuthOptionsValidator().Validate(null, new AuthOptions
        {
            SigningKey = new string('k', 48),
            Authority = authority,
            Oidc = { ClientId = clientId, ClientSecret = secret, Scopes = scopes },
        });
        Assert.True(result.Failed);
        Assert.Contains(message, result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080/realms/dev", true)]
    [InlineData("http://localhost:8080/realms/dev", true)]
    [InlineData("http://keycloak.internal/realms/dev", false)]
    [InlineData("https://login.example.com/realms/dev", false)]
    public void Plain_http_metadata_is_allowed_only_for_an_issuer_on_this_machine(string authority, bool allowed)
    {
        var result = new AuthOptionsValidator().Validate(null, new AuthOptions { Authority = authority, RequireHttpsMetadata = false });
        Assert.True(result.Succeeded == allowed, result.FailureMessage);
        if (!allowed)
        {
            Assert.Contains("RequireHttpsMetadata may be false only for a loopback authority", result.FailureMessage, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("https://ductus.example.com/auth/oidc/callback", true)]
    [InlineData("http://localhost:5180/auth/oidc/callback", true)]
    [InlineData("http://ductus.example.com/auth/oidc/callback", false)]
    [InlineData("https://ductus.example.com/somewhere-else", false)]
    [InlineData("/auth/oidc/callback", false)]
    public void A_configured_redirect_uri_must_be_the_callback_over_https(string redirect, bool valid)
    {
        var result = new AuthOptionsValidator().Validate(null, new AuthOptions { Authority = Authority, Oidc = { ClientId = "c", RedirectUri = redirect } });
        Assert.True(result.Succeeded == valid, result.FailureMessage);
    }

    [Theory]
    [InlineData("/", true)]
    [InlineData("/datasets?q=1#top", true)]
    [InlineData("/runs/0193a000-0000-7000-8000-000000000001", true)]
    [InlineData("", false)]
    [InlineData("datasets", false)]
    [InlineData("https://evil.example/", false)]
    [InlineData("//evil.example", false)]
    [InlineData("/\\evil.example", false)]
    [InlineData("/a\\b", false)]
    [InlineData("/\t/evil.example", false)]
    [InlineData("/\r\nSet-Cookie: x=y", false)]
    public void Only_a_path_on_this_site_is_a_return_url(string url, bool local) => Assert.Equal(local, OidcReturnUrl.IsLocal(url));
}
