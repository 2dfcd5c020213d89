using Ductus.Api.Auth;
using Ductus.Core.Auth;
using Ductus.Tests.Infrastructure;

namespace Ductus.Tests.Unit.Auth;

public sealed class VerifiedSecretCacheTests
{
    private const string Secret = "the-right-secret";

    // A real PBKDF2 hash, with few iterations so the test is quick; the count does not change the logic.
    private static readonly string Stored = SecretHasher.Hash(Secret, iterations: 1_000);

    private readonly ManualClock _clock = new(DateTimeOffset.UtcNow);

    private VerifiedSecretCache Cache(int capacity = 100) => new(_clock, TimeSpan.FromHours(1), capacity);

    [Fact]
    public void A_repeated_correct_exchange_is_answered_without_hashing_again()
    {
        var cache = Cache();

        Assert.True(cache.Verify("dk-one", Secret, Stored));
        Assert.True(cache.Verify("dk-one", Secret, Stored));
        Assert.True(cache.Verify("dk-one", Secret, Stored));

        Assert.Equal(1, cache.Hashes);
        Assert.Equal(Stored, cache.Lookup("dk-one", Secret));
    }

    [Fact]
    public void A_wrong_secret_is_never_answered_from_the_cache()
    {
        var cache = Cache();
        Assert.True(cache.Verify("dk-one", Secret, Stored));

        Assert.False(cache.Verify("dk-one", Secret + "x", Stored));
        Assert.False(cache.Verify("dk-one", Secret + "x", Stored));
        Assert.Null(cache.Lookup("dk-one", Secret + "x"));

        // Each wrong guess paid its hash; the right secret still answers from memory.
        Assert.Equal(3, cache.Hashes);
        Assert.True(cache.Verify("dk-one", Secret, Stored));
        Assert.Equal(3, cache.Hashes);
    }

    [Fact]
    public void A_secret_verified_for_one_client_does_not_answer_for_another()
    {
        var cache = Cache();
        Assert.True(cache.Verify("dk-one", Secret, Stored));

        Assert.Null(cache.Lookup("dk-two", Secret));
        Assert.True(cache.Verify("dk-two", Secret, Stored));
        Assert.Equal(2, cache.Hashes);
    }

    [Fact]
    public void A_rekeyed_client_must_prove_its_secret_against_the_new_hash()
    {
        var cache = Cache();
        Assert.True(cache.Verify("admin", Secret, Stored));

        var rekeyed = SecretHasher.Hash("the-new-secret", iterations: 1_000);
        Assert.False(cache.Verify("admin", Secret, rekeyed));
        Assert.Equal(2, cache.Hashes);
    }

    [Fact]
    public void A_forgotten_or_expired_entry_is_hashed_again()
    {
        var cache = Cache();
        Assert.True(cache.Verify("dk-one", Secret, Stored));
        cache.Forget("dk-one", Secret);
        Assert.Null(cache.Lookup("dk-one", Secret));

        Assert.True(cache.Verify("dk-one", Secret, Stored));
        _clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        Assert.Null(cache.Lookup("dk-one", Secret));
        Assert.True(cache.Verify("dk-one", Secret, Stored));

        Assert.Equal(3, cache.Hashes);
    }

    [Fact]
    public void A_full_cache_hashes_newcomers_instead_of_growing()
    {
        var cache = Cache(capacity: 1);
        Assert.True(cache.Verify("dk-one", Secret, Stored));
        Assert.True(cache.Verify("dk-two", Secret, Stored));
        Assert.True(cache.Verify("dk-two", Secret, Stored));

        Assert.Equal(1, cache.Count);
        Assert.Equal(3, cache.Hashes);
    }

    [Fact]
    public void An_unknown_client_costs_a_decoy_hash()
    {
        var cache = Cache();
        cache.SpendDecoy("anything");
        Assert.Equal(1, cache.Hashes);
        Assert.Equal(0, cache.Count);
    }
}
