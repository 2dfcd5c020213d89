using System.Diagnostics;
using System.Text;

namespace Ductus.Tests.Infrastructure;

/// <summary>
/// A Ductus service as its own OS process, started the way a container platform starts one: the
/// assembly from a build or publish output, and a clean environment holding only the variables
/// given (nothing inherited from the test process), so what the service sees is exactly its
/// deployment's configuration. Tests run several replicas this way and SIGKILL one.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private static readonly TimeSpan DefaultHealthTimeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private ServiceProcess(string name, Process process, int port)
    {
        Name = name;
        _process = process;
        Port = port;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>The service's name, for messages (<c>api</c>, <c>pipelines-2</c> …).</summary>
    public string Name { get; }

    /// <summary>The loopback port it listens on (0 for a process that serves no HTTP).</summary>
    public int Port { get; }

    public Uri BaseUri => new($"http://127.0.0.1:{Port}/");

    public int ProcessId => _process.Id;

    /// <summary>What <c>PipelineRunner.ThisNode</c> is in that process: the run's <c>node</c> column.</summary>
    public string Node => $"{Environment.MachineName}:{_process.Id}";

    public bool HasExited => _process.HasExited;

    /// <summary>The process's console output so far, for failure messages.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>A configuration key as an environment variable: <c>Section:Key</c> becomes <c>Section__Key</c>.</summary>
    public static string VariableName(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.Replace(":", "__", StringComparison.Ordinal);
    }

    /// <summary>
    /// Starts the web service in <paramref name="assembly"/> listening on <paramref name="port"/>
    /// (a free one when null; <c>ASPNETCORE_URLS</c> is set here) and waits until it answers <c>/health</c>.
    /// </summary>
    public static async Task<ServiceProcess> StartAsync(
        string name,
        string assembly,
        IReadOnlyDictionary<string, string> environment,
        int? port = null,
        TimeSpan? healthTimeout = null)
    {
        var listen = port ?? TestHttpServer.FreePort();
        var service = new ServiceProcess(name, Launch([assembly], environment, ("ASPNETCORE_URLS", $"http://127.0.0.1:{listen}")), listen);
        var timeout = healthTimeout ?? DefaultHealthTimeout;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (service.HasExited)
            {
                throw new InvalidOperationException($"{name} exited with {service._process.ExitCode}:\n{service.Log}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(service.BaseUri, "health"));
                if (response.IsSuccessStatusCode)
                {
                    return service;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                await service.DisposeAsync();
                throw new TimeoutException($"{name} was not healthy within {timeout.TotalSeconds:0} s:\n{service.Log}");
            }

            await Task.Delay(250);
        }
    }

    /// <summary>
    /// Runs <c>dotnet</c> with <paramref name="arguments"/> (a run-once step such as the migrator's
    /// assembly, or an SDK command) to its end; its output, or an exception with it when it fails.
    /// </summary>
    public static async Task<string> RunToExitAsync(string name, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        await using var step = new ServiceProcess(name, Launch(arguments, environment), 0);
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await step._process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{name} did not finish within {timeout.TotalSeconds:0} s:\n{step.Log}");
        }

        return step._process.ExitCode == 0
            ? step.Log
            : throw new InvalidOperationException($"{name} exited with {step._process.ExitCode}:\n{step.Log}");
    }

    /// <summary>SIGKILL: no shutdown code runs, exactly like a node that dies.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
        }

        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    private static Process Launch(IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment, params (string Name, string Value)[] extra)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(environment);
        // "dotnet" is found on the test process's PATH; the child gets none of its variables.
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Clear();
        foreach (var (key, value) in environment.Concat(extra.Select(e => KeyValuePair.Create(e.Name, e.Value))))
        {
            start.Environment[key] = value;
        }

        return Process.Start(start) ?? throw new InvalidOperationException($"dotnet did not start {string.Join(' ', arguments)}.");
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }
}
