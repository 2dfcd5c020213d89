using System.Net;
using System.Net.Sockets;

namespace Ductus.Tests.Infrastructure;

/// <summary>
/// A real HTTP server on 127.0.0.1 with a free port, answering with a handler the test gives.
/// Loopback only: tests never send traffic anywhere else.
/// </summary>
public sealed class TestHttpServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private readonly CancellationTokenSource _stop = new();

    /// <param name="concurrent">Serve requests in parallel (else one at a time, in order).</param>
    public TestHttpServer(Func<HttpListenerContext, Task> handler, bool concurrent = false)
    {
        Port = FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                lock (Requests)
                {
                    Requests.Add(context.Request.Url!.PathAndQuery);
                }

                if (concurrent)
                {
                    _ = Task.Run(async () =>
                    {
                        try
                        {
                            await handler(context);
                            context.Response.Close();
                        }
                        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException)
                        {
                            // The client went away (e.g. a killed process); nothing to answer.
                        }
                    });
                    continue;
                }

                try
                {
                    await handler(context);
                }
                finally
                {
                    context.Response.Close();
                }
            }
        });
    }

    public int Port { get; }

    public Uri BaseUri => new($"http://127.0.0.1:{Port}/");

    /// <summary>Path and query of every request, in order (lock it while reading in concurrent mode).</summary>
    public List<string> Requests { get; } = [];

    public static async Task WriteAsync(HttpListenerContext context, string body, int status = 200, string contentType = "application/json")
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        var bytes = System.Text.Encoding.UTF8.GetBytes(body);
        await context.Response.OutputStream.WriteAsync(bytes);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        _listener.Close();
        await _loop;
        _stop.Dispose();
    }

    /// <summary>A loopback port nothing listens on right now.</summary>
    public static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
