using System.Net;
using System.Net.Sockets;

namespace Ductus.Pipelines.Net;

/// <summary>
/// Which network addresses a pipeline may fetch from (<c>Ductus:Egress</c>). A spec posted
/// through the API names URLs the server will fetch, so by default nothing on the server's own
/// networks is reachable: loopback, link-local (cloud metadata at 169.254.169.254), private,
/// carrier-grade NAT, benchmarking and IETF-reserved ranges are refused, and so are the IPv6
/// forms that lead to them (IPv4-mapped, -compatible and -translated, 6to4, NAT64, Teredo).
/// </summary>
public sealed class EgressPolicy
{
    public const string Section = "Ductus:Egress";

    /// <summary>Allow loopback, private and link-local addresses (tests, on-premises sources).</summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>Host names allowed even when they resolve to a private address (e.g. an internal API).</summary>
    public IList<string> AllowedHosts { get; } = [];

    /// <summary>
    /// Why <paramref name="address"/> is refused for <paramref name="host"/>, or null when it is
    /// allowed. The message names the host and the kind of address, never the address: a spec
    /// author must not learn the addresses of the server's internal networks from a refusal.
    /// </summary>
    public string? Refusal(string host, IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (AllowPrivateNetworks || AllowedHosts.Contains(host, StringComparer.OrdinalIgnoreCase))
        {
            return null;
        }

        var kind = Classify(address);
        return kind is null ? null : $"{host} resolves to a {kind} address; allow it with {Section}:AllowPrivateNetworks or {Section}:AllowedHosts";
    }

    /// <summary>The kind of non-public address, or null for a public one.</summary>
    public static string? Classify(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return ClassifyV4(address.GetAddressBytes());
        }

        if (IPAddress.IsLoopback(address))
        {
            return "loopback";
        }

        // Forms that carry an IPv4 address inside an IPv6 one reach that IPv4 host, so they are
        // judged by it: IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d, which also
        // covers ::), IPv4-translated (::ffff:0:a.b.c.d) and 6to4 (2002:AABB:CCDD::/48).
        var b = address.GetAddressBytes();
        var zeroPrefix = b.AsSpan(0, 8).IndexOfAnyExcept((byte)0) < 0;
        var embedded = (b[8], b[9], b[10], b[11]) switch
        {
            (0, 0, 0xff, 0xff) or (0, 0, 0, 0) when zeroPrefix => b[12..],
            (0xff, 0xff, 0, 0) when zeroPrefix => b[12..],
            _ when b[0] == 0x20 && b[1] == 0x02 => b[2..6],
            _ => null,
        };
        if (embedded is not null)
        {
            return ClassifyV4(embedded);
        }

        // NAT64 (64:ff9b::/96 and the local-use 64:ff9b:1::/48) translates to any IPv4 host and
        // Teredo (2001::/32) tunnels to one hidden in the address: refused whatever they embed.
        if (b[0] == 0 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && (b.AsSpan(4, 8).IndexOfAnyExcept((byte)0) < 0 || (b[4] == 0 && b[5] == 1)))
        {
            return "NAT64";
        }

        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0)
        {
            return "Teredo";
        }

        if (address.Equals(IPAddress.IPv6None) || address.Equals(IPAddress.IPv6Any))
        {
            return "unspecified";
        }

        if (address.IsIPv6LinkLocal || address.IsIPv6SiteLocal)
        {
            return "link-local";
        }

        if (address.IsIPv6UniqueLocal)
        {
            return "private";
        }

        return address.IsIPv6Multicast ? "multicast or reserved" : null;
    }

    private static string? ClassifyV4(ReadOnlySpan<byte> b) => b switch
    {
        [127, ..] => "loopback",
        [0, ..] => "unspecified",
        [10, ..] => "private",
        [172, >= 16 and <= 31, ..] => "private",
        [192, 168, ..] => "private",
        [169, 254, ..] => "link-local",
        [100, >= 64 and <= 127, ..] => "carrier-grade NAT",
        [198, 18 or 19, ..] => "benchmarking",
        [192, 0, 0, _] => "reserved",
        [>= 224, ..] => "multicast or reserved",
        _ => null,
    };
}
