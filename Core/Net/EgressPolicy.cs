using System.Net;
using System.Net.Sockets;

namespace Ductus.Core.Net;

/// <summary>
/// Which network addresses a pipeline may fetch from (<c>Ductus:Egress</c>). A spec posted
/// through the API names URLs the server will fetch, so by default nothing on the server's own
/// networks is reachable: loopback, link-local (cloud metadata at 169.254.169.254), private and
/// carrier-grade NAT ranges are refused.
/// </summary>
public sealed class EgressPolicy
{
    public const string Section = "Ductus:Egress";

    /// <summary>Allow loopback, private and link-local addresses (tests, on-premises sources).</summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>Host names allowed even when they resolve to a private address (e.g. an internal API).</summary>
    public IList<string> AllowedHosts { get; } = [];

    /// <summary>Why <paramref name="address"/> is refused for <paramref name="host"/>, or null when it is allowed.</summary>
    public string? Refusal(string host, IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (AllowPrivateNetworks || AllowedHosts.Contains(host, StringComparer.OrdinalIgnoreCase))
        {
            return null;
        }

        var kind = Classify(address);
        return kind is null ? null : $"{host} resolves to {address}, a {kind} address; allow it with {Section}:AllowPrivateNetworks or {Section}:AllowedHosts";
    }

    /// <summary>The kind of non-public address, or null for a public one.</summary>
    public static string? Classify(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address))
        {
            return "loopback";
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b switch
            {
                [0, ..] => "unspecified",
                [10, ..] => "private",
                [172, >= 16 and <= 31, ..] => "private",
                [192, 168, ..] => "private",
                [169, 254, ..] => "link-local",
                [100, >= 64 and <= 127, ..] => "carrier-grade NAT",
                [>= 224, ..] => "multicast or reserved",
                _ => null,
            };
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
}
