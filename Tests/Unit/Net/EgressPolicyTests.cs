using System.Net;
using System.Net.Sockets;
using Ductus.Pipelines.Net;
using Ductus.Tests.Infrastructure;

namespace Ductus.Tests.Unit.Net;

public sealed class EgressPolicyTests
{
    [Theory]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("::1", "loopback")]
    [InlineData("10.1.2.3", "private")]
    [InlineData("172.16.0.1", "private")]
    [InlineData("172.31.255.255", "private")]
    [InlineData("192.168.1.1", "private")]
    [InlineData("169.254.169.254", "link-local")]
    [InlineData("100.64.0.1", "carrier-grade NAT")]
    [InlineData("0.0.0.0", "unspecified")]
    [InlineData("224.0.0.1", "multicast or reserved")]
    [InlineData("fe80::1", "link-local")]
    [InlineData("fd00::1", "private")]
    [InlineData("::ffff:127.0.0.1", "loopback")]
    [InlineData("::ffff:169.254.169.254", "link-local")]
    public void Internal_addresses_are_classified(string address, string kind) =>
        Assert.Equal(kind, EgressPolicy.Classify(IPAddress.Parse(address)));

    [Theory]
    [InlineData("64:ff9b::a9fe:a9fe", "NAT64")]
    [InlineData("64:ff9b::808:808", "NAT64")]
    [InlineData("64:ff9b:1::a00:1", "NAT64")]
    [InlineData("::127.0.0.1", "loopback")]
    [InlineData("::10.0.0.1", "private")]
    [InlineData("::169.254.169.254", "link-local")]
    [InlineData("::ffff:10.0.0.1", "private")]
    [InlineData("::ffff:0:10.0.0.1", "private")]
    [InlineData("2002:a9fe:a9fe::1", "link-local")]
    [InlineData("2002:7f00:1::", "loopback")]
    [InlineData("2002:c0a8:101::1", "private")]
    [InlineData("2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo")]
    [InlineData("2001::1", "Teredo")]
    [InlineData("198.18.0.1", "benchmarking")]
    [InlineData("198.19.255.255", "benchmarking")]
    [InlineData("192.0.0.170", "reserved")]
    [InlineData("100.127.255.255", "carrier-grade NAT")]
    public void Addresses_that_embed_translate_or_tunnel_to_internal_ones_are_classified(string address, string kind) =>
        Assert.Equal(kind, EgressPolicy.Classify(IPAddress.Parse(address)));

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("172.32.0.1")]
    [InlineData("100.128.0.1")]
    [InlineData("100.63.255.255")]
    [InlineData("198.17.255.255")]
    [InlineData("198.20.0.1")]
    [InlineData("192.0.1.1")]
    [InlineData("2606:4700::1111")]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("2002:808:808::1")]
    [InlineData("2001:4860:4860::8888")]
    public void Public_addresses_pass(string address) =>
        Assert.Null(EgressPolicy.Classify(IPAddress.Parse(address)));

    [Fact]
    public void The_refusal_names_host_kind_and_the_setting_that_allows_it()
    {
        var refusal = new EgressPolicy().Refusal("metadata.internal", IPAddress.Parse("169.254.169.254"));
        Assert.Equal(
            "metadata.internal resolves to a link-local address; allow it with Ductus:Egress:AllowPrivateNetworks or Ductus:Egress:AllowedHosts",
            refusal);
    }

    [Theory]
    [InlineData("10.1.2.3")]
    [InlineData("64:ff9b::a9fe:a9fe")]
    [InlineData("::ffff:192.168.7.7")]
    [InlineData("2002:a9fe:a9fe::1")]
    public void The_refusal_never_tells_the_internal_address_a_name_resolved_to(string address)
    {
        var refusal = new EgressPolicy().Refusal("rebind.example.com", IPAddress.Parse(address));

        Assert.NotNull(refusal);
        Assert.StartsWith("rebind.example.com resolves to a", refusal, StringComparison.Ordinal);
        Assert.DoesNotContain(IPAddress.Parse(address).ToString(), refusal, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(IPAddress.Parse(address).MapToIPv4().ToString(), refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void Allowed_hosts_and_the_private_switch_let_internal_addresses_through()
    {
        var byHost = new EgressPolicy { AllowedHosts = { "warehouse.corp" } };
        Assert.Null(byHost.Refusal("WAREHOUSE.corp", IPAddress.Parse("10.0.0.5")));
        Assert.NotNull(byHost.Refusal("other.corp", IPAddress.Parse("10.0.0.5")));
        Assert.Null(new EgressPolicy { AllowPrivateNetworks = true }.Refusal("x", IPAddress.Loopback));
    }

    [Fact]
    public async Task A_request_to_loopback_is_refused_before_any_byte_is_sent()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var http = new HttpClient(GuardedHttp.CreateHandler(new EgressPolicy()));

        var error = GuardedHttp.Refusal(await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(new Uri($"http://127.0.0.1:{port}/"))));
        Assert.NotNull(error);
        Assert.Contains("127.0.0.1 resolves to a loopback address", error.Message, StringComparison.Ordinal);
        Assert.False(listener.Pending(), "a connection reached the listener");
    }

    [Fact]
    public async Task A_redirect_to_an_internal_address_is_refused()
    {
        // The first hop is allowed by name; the redirect target is not.
        using var target = new TcpListener(IPAddress.Loopback, 0);
        target.Start();
        var targetPort = ((IPEndPoint)target.LocalEndpoint).Port;
        using var redirector = new HttpListener();
        var redirectPort = TestHttpServer.FreePort();
        redirector.Prefixes.Add($"http://localhost:{redirectPort}/");
        redirector.Start();
        var serve = Task.Run(async () =>
        {
            var context = await redirector.GetContextAsync();
            context.Response.StatusCode = 302;
            context.Response.RedirectLocation = $"http://127.0.0.1:{targetPort}/secret";
            context.Response.Close();
        });

        using var http = new HttpClient(GuardedHttp.CreateHandler(new EgressPolicy { AllowedHosts = { "localhost" } }));
        var error = GuardedHttp.Refusal(await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(new Uri($"http://localhost:{redirectPort}/start"))));
        Assert.NotNull(error);
        await serve;
        Assert.Contains("127.0.0.1 resolves to a loopback address", error.Message, StringComparison.Ordinal);
        Assert.False(target.Pending(), "the redirect reached the internal target");
    }

    [Fact]
    public async Task An_allowed_private_address_is_fetched()
    {
        using var server = new HttpListener();
        var port = TestHttpServer.FreePort();
        server.Prefixes.Add($"http://127.0.0.1:{port}/");
        server.Start();
        var serve = Task.Run(async () =>
        {
            var context = await server.GetContextAsync();
            await context.Response.OutputStream.WriteAsync("hello"u8.ToArray());
            context.Response.Close();
        });

        using var http = new HttpClient(GuardedHttp.CreateHandler(new EgressPolicy { AllowPrivateNetworks = true }));
        Assert.Equal("hello", await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/")));
        await serve;
    }
}
