using System.Net;
using System.Net.Sockets;

namespace Ductus.Pipelines.Net;

/// <summary>
/// An HTTP handler that checks every address it connects to against an <see cref="EgressPolicy"/>.
/// The check sits in the connect callback, after DNS resolution, so a redirect to an internal
/// host and a DNS answer that changes between check and use (rebinding) are refused alike.
/// Redirects are followed here rather than by <see cref="SocketsHttpHandler"/>, which would carry
/// every header but <c>Authorization</c> to whatever host a server names: a request marked with
/// <see cref="CredentialHosts"/> is never redirected to a host outside them.
/// </summary>
public static class GuardedHttp
{
    public const int MaxRedirects = 5;

    /// <summary>The hosts a request's credentials are bound to; a redirect anywhere else fails the request.</summary>
    public static readonly HttpRequestOptionsKey<IReadOnlySet<string>> CredentialHosts = new("Ductus.CredentialHosts");

    public static HttpMessageHandler CreateHandler(EgressPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return new RedirectGuard(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.All,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectCallback = (context, ct) => ConnectAsync(policy, context.DnsEndPoint, ct),
        });
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

/// <summary>Follows up to <see cref="GuardedHttp.MaxRedirects"/> redirects of body-less requests, as HttpClient would, but never with credentials to another host.</summary>
internal sealed class RedirectGuard(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        for (var hop = 0; hop < GuardedHttp.MaxRedirects && Target(request, response) is { } target; hop++)
        {
            var from = request.RequestUri!;
            if (request.Options.TryGetValue(GuardedHttp.CredentialHosts, out var hosts) && !hosts.Contains(target.Host))
            {
                response.Dispose();
                throw new HttpRequestException(
                    $"{from.Host} redirected to {target.Host}, a host the request's secrets are not bound to; the redirect was not followed");
            }

            var status = response.StatusCode;
            response.Dispose();
            if (!string.Equals(from.Host, target.Host, StringComparison.OrdinalIgnoreCase))
            {
                request.Headers.Authorization = null;
            }

            if (status == HttpStatusCode.SeeOther && request.Method != HttpMethod.Head)
            {
                request.Method = HttpMethod.Get;
            }

            request.RequestUri = target;
            response = await base.SendAsync(request, cancellationToken);
        }

        return response;
    }

    /// <summary>Where a redirect points, or null when it is not one to follow (no location, a body to resend, https to http, another scheme).</summary>
    private static Uri? Target(HttpRequestMessage request, HttpResponseMessage response)
    {
        if ((int)response.StatusCode is not (301 or 302 or 303 or 307 or 308) || response.Headers.Location is not { } location || request.Content is not null)
        {
            return null;
        }

        var target = location.IsAbsoluteUri ? location : new Uri(request.RequestUri!, location);
        return target.Scheme == Uri.UriSchemeHttps || (target.Scheme == Uri.UriSchemeHttp && request.RequestUri!.Scheme == Uri.UriSchemeHttp) ? target : null;
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
