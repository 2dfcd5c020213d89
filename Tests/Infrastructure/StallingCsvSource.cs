namespace Ductus.Tests.Infrastructure;

/// <summary>
/// A CSV source over HTTP (<see cref="CsvPipeline.Rows"/>) whose request number
/// <c>stalled</c> is held until <see cref="Release"/>: a run caught mid-extract, so a test can
/// kill the node executing it. Every other request is answered at once.
/// </summary>
public sealed class StallingCsvSource : IAsyncDisposable
{
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TestHttpServer _server;
    private int _requests;

    public StallingCsvSource(int rows, int stalled, TimeSpan longest)
    {
        _server = new TestHttpServer(
            async context =>
            {
                if (Interlocked.Increment(ref _requests) == stalled)
                {
                    await _release.Task.WaitAsync(longest);
                }

                await TestHttpServer.WriteAsync(context, CsvPipeline.Rows(rows), contentType: "text/csv");
            },
            concurrent: true);
    }

    /// <summary>Requests received so far, the stalled one included.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>The file a spec named <paramref name="name"/> reads.</summary>
    public Uri For(string name) => new(_server.BaseUri, $"{name}.csv");

    public void Release() => _release.TrySetResult();

    public async ValueTask DisposeAsync()
    {
        Release();
        await _server.DisposeAsync();
    }
}
