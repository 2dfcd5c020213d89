using System.Net;
using System.Net.Sockets;

namespace Ductus.Core.Net;

/// <summary>
/// An HTTP handler that checks every address it connects to against an <see cref="EgressPolicy"/>.
/// The check sits in the connect callback, after DNS resolution, so a redirect to an internal
/// host and a DNS answer that changes between check and use (rebinding) are refused alike.
/// </summary>
public static class GuardedHttp
{
    public static SocketsHttpHandler CreateHandler(EgressPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return new SocketsHttpHandler
        {
            AllowAutoRedirect = true,
            MaxAutomaticRedirections = 5,
            AutomaticDecompression = DecompressionMethods.All,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectCallback = (context, ct) => ConnectAsync(policy, context.DnsEndPoint, ct),
        };
    }

    /// <summary>
    /// The egress refusal behind a failed request, if that is why it failed (HttpClient wraps
    /// whatever the connect callback throws).
    /// </summary>
    public static EgressRefusedException? Refusal(Exception? error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (e is EgressRefusedException refused)
            {
                return refused;
            }
        }

        return null;
    }

    private static async ValueTask<Stream> ConnectAsync(EgressPolicy policy, DnsEndPoint endpoint, CancellationToken ct)
    {
        var addresses = IPAddress.TryParse(endpoint.Host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(endpoint.Host, ct);
        if (addresses.Length == 0)
        {
            throw new HttpRequestException($"{endpoint.Host} does not resolve to any address.");
        }

        // Every answer must pass: connecting to the first allowed one would let a hostile DNS
        // server mix a public address with an internal one.
        foreach (var address in addresses)
        {
            var refusal = policy.Refusal(endpoint.Host, address);
            if (refusal is not null)
            {
                throw new EgressRefusedException($"Refused to connect: {refusal}.");
            }
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, endpoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

/// <summary>A connection the egress policy refused; the message says which host, address and why.</summary>
public sealed class EgressRefusedException : IOException
{
    public EgressRefusedException()
    {
    }

    public EgressRefusedException(string message)
        : base(message)
    {
    }

    public EgressRefusedException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
