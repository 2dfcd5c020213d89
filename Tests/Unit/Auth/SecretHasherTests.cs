using Ductus.Core.Auth;

namespace Ductus.Tests.Unit.Auth;

public sealed class SecretHasherTests
{
    [Fact]
    public void A_hash_verifies_the_secret_it_was_made_from_and_nothing_else()
    {
        var hash = SecretHasher.Hash("correct horse battery staple", iterations: 1_000);
        Assert.True(SecretHasher.Verify("correct horse battery staple", hash));
        Assert.False(SecretHasher.Verify("correct horse battery stapl", hash));
        Assert.False(SecretHasher.Verify("Correct horse battery staple", hash));
        Assert.False(SecretHasher.Verify(string.Empty, hash));
    }

    [Fact]
    public void The_same_secret_gets_a_different_salt_and_hash_each_time()
    {
        var first = SecretHasher.Hash("same-secret", iterations: 1_000);
        var second = SecretHasher.Hash("same-secret", iterations: 1_000);
        Assert.NotEqual(first, second);
        Assert.NotEqual(first.Split('$')[2], second.Split('$')[2]);
        Assert.True(SecretHasher.Verify("same-secret", first));
        Assert.True(SecretHasher.Verify("same-secret", second));
    }

    [Fact]
    public void The_hash_records_scheme_and_cost_and_never_contains_the_secret()
    {
        var hash = SecretHasher.Hash("visible-secret-value");
        var parts = hash.Split('$');
        Assert.Equal(4, parts.Length);
        Assert.Equal("pbkdf2-sha256", parts[0]);
        Assert.Equal(SecretHasher.DefaultIterations.ToString(System.Globalization.CultureInfo.InvariantCulture), parts[1]);
        Assert.Equal(16, Convert.FromBase64String(parts[2]).Length);
        Assert.Equal(32, Convert.FromBase64String(parts[3]).Length);
        Assert.DoesNotContain("visible-secret-value", hash, StringComparison.Ordinal);
    }

    [Fact]
    public void A_hash_made_with_another_cost_still_verifies()
    {
        // Raising DefaultIterations later must not lock out keys hashed with the old cost.
        var cheap = SecretHasher.Hash("secret", iterations: 10);
        Assert.True(SecretHasher.Verify("secret", cheap));
    }

    [Theory]
    [InlineData("")]
    [InlineData("plain-text-secret")]
    [InlineData("pbkdf2-sha256$abc$AAAA$AAAA")]
    [InlineData("pbkdf2-sha256$0$AAAA$AAAA")]
    [InlineData("pbkdf2-sha256$1000$not base64!$AAAA")]
    [InlineData("md5$1000$AAAA$AAAA")]
    public void Malformed_hashes_never_verify(string stored)
    {
        Assert.False(SecretHasher.Verify("plain-text-secret", stored));
    }

    [Fact]
    public void Generated_credentials_are_unique_url_safe_and_fit_the_client_id_rule()
    {
        var pairs = Enumerable.Range(0, 200).Select(_ => ClientCredentials.Generate()).ToList();
        Assert.Equal(pairs.Count, pairs.Select(p => p.ClientId).Distinct().Count());
        Assert.Equal(pairs.Count, pairs.Select(p => p.ClientSecret).Distinct().Count());
        foreach (var pair in pairs)
        {
            // Same rule as the api_clients.client_id check constraint.
            Assert.Matches("^[a-z0-9][a-z0-9_.-]{0,127}$", pair.ClientId);
            Assert.Matches("^[A-Za-z0-9_-]{43}$", pair.ClientSecret);
        }
    }

    [Fact]
    public void Role_names_are_exactly_the_four_the_product_defines()
    {
        Assert.Equal(["admin", "engineer", "analyst", "ingest"], Roles.All);
        Assert.True(Roles.IsKnown("analyst"));
        Assert.False(Roles.IsKnown("Admin"));
        Assert.False(Roles.IsKnown("root"));
    }
}
