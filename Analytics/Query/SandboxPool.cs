using System.Text;
using DuckDB.NET.Data;
using Microsoft.Extensions.Options;

namespace Ductus.Analytics.Query;

/// <summary>
/// Warm sandbox instances, each serving one query at a time, keyed by the workspace folder and the
/// exact files of every view. Opening a DuckDB instance, creating its views and reading the
/// Parquet footers again cost more than a typical aggregate over a few million rows; a warm
/// instance keeps all of that (and the footers, <c>parquet_metadata_cache</c>).
/// <para>
/// An instance never serves another workspace or other snapshot versions (they are in its key) and
/// stays locked down for its whole life (external access off, only its views' files and its scratch
/// folder allowed, configuration locked; nothing of this can be set once locked). Each query runs on a new connection inside a
/// transaction that is never committed (<see cref="QuerySandbox"/>), and before an instance goes
/// back to the pool its catalog is compared with the one it was created with: any difference
/// (a table, view, schema, attached database, sequence, type, index or variable that a statement
/// managed to leave behind) and it is dropped instead.
/// </para>
/// </summary>
public sealed class SandboxPool : IAsyncDisposable
{
    private readonly QueryOptions _options;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();

    // Most recently returned first; the pool is small, so a list is fine.
    private readonly LinkedList<(string Key, SandboxInstance Instance, long ReturnedAt)> _idle = new();
    private readonly ITimer _sweeper;
    private long _discarded;
    private bool _disposed;

    public SandboxPool(IOptions<QueryOptions> options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _time = time ?? TimeProvider.System;
        var every = _options.PoolIdleTime / 2;
        _sweeper = _time.CreateTimer(_ => Sweep(), null, every, every);
    }

    /// <summary>Instances waiting for their next query.</summary>
    public int Idle
    {
        get
        {
            lock (_gate)
            {
                return _idle.Count;
            }
        }
    }

    /// <summary>Instances dropped on return because a query changed their catalog.</summary>
    public long Discarded => Interlocked.Read(ref _discarded);

    /// <summary>A sandbox over a warm instance with exactly these views (and masks), or a new one.</summary>
    /// <param name="workspaceFolder">The workspace's lake folder, which every view file must be inside.</param>
    /// <param name="views">View name → absolute paths of the Parquet files it reads, the only lake files the instance may read.</param>
    /// <param name="masks">The PII columns each view masks; null masks nothing.</param>
    public async Task<QuerySandbox> OpenAsync(string workspaceFolder, IReadOnlyDictionary<string, IReadOnlyList<string>> views, ViewMasks? masks = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(views);
        // A masked instance never serves an unmasked caller or one with other masks: they are in its key.
        var key = Key(workspaceFolder, views) + '\u001d' + masks?.Key;
        var instance = Take(key) ?? await SandboxInstance.CreateAsync(workspaceFolder, views, _options, masks, ct);
        return await QuerySandbox.LeaseAsync(instance, i => ReturnAsync(key, i), ct);
    }

    private SandboxInstance? Take(string key)
    {
        lock (_gate)
        {
            for (var node = _idle.First; node is not null; node = node.Next)
            {
                if (string.Equals(node.Value.Key, key, StringComparison.Ordinal))
                {
                    _idle.Remove(node);
                    return node.Value.Instance;
                }
            }
        }

        return null;
    }

    private ValueTask ReturnAsync(string key, SandboxInstance instance)
    {
        // Checked off the response path: the caller's result is complete by now.
        _ = Task.Run(async () =>
        {
            bool pristine;
            try
            {
                pristine = instance.IsPristine();
            }
            catch (DuckDBException)
            {
                pristine = false;
            }

            if (!pristine)
            {
                Interlocked.Increment(ref _discarded);
            }

            var evicted = new List<SandboxInstance>();
            lock (_gate)
            {
                if (pristine && !_disposed && _options.PoolSize > 0)
                {
                    _idle.AddFirst((key, instance, _time.GetTimestamp()));
                    while (_idle.Count > _options.PoolSize)
                    {
                        evicted.Add(_idle.Last!.Value.Instance);
                        _idle.RemoveLast();
                    }
                }
                else
                {
                    evicted.Add(instance);
                }
            }

            foreach (var old in evicted)
            {
                await old.DisposeAsync();
            }
        });
        return ValueTask.CompletedTask;
    }

    private void Sweep()
    {
        var evicted = new List<SandboxInstance>();
        lock (_gate)
        {
            for (var node = _idle.First; node is not null;)
            {
                var next = node.Next;
                if (_time.GetElapsedTime(node.Value.ReturnedAt) >= _options.PoolIdleTime)
                {
                    evicted.Add(node.Value.Instance);
                    _idle.Remove(node);
                }

                node = next;
            }
        }

        foreach (var old in evicted)
        {
            old.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private static string Key(string workspaceFolder, IReadOnlyDictionary<string, IReadOnlyList<string>> views)
    {
        var key = new StringBuilder(Path.GetFullPath(workspaceFolder));
        foreach (var (name, files) in views.OrderBy(v => v.Key, StringComparer.Ordinal))
        {
            key.Append('\u001e').Append(name);
            foreach (var file in files)
            {
                key.Append('\u001f').Append(file);
            }
        }

        return key.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        await _sweeper.DisposeAsync();
        List<SandboxInstance> all;
        lock (_gate)
        {
            _disposed = true;
            all = [.. _idle.Select(i => i.Instance)];
            _idle.Clear();
        }

        foreach (var instance in all)
        {
            await instance.DisposeAsync();
        }
    }
}
