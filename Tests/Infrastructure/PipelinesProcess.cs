using System.Diagnostics;
using System.Text;
using Ductus.Core;

namespace Ductus.Tests.Infrastructure;

/// <summary>
/// A Pipelines service replica as its own OS process (the build output the AppHost runs), so a
/// test can run several against one database and kill one with SIGKILL.
/// </summary>
public sealed class PipelinesProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private PipelinesProcess(Process process, int port)
    {
        _process = process;
        Port = port;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Port { get; }

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

    /// <summary>The Pipelines build output next to this test build (same configuration).</summary>
    public static string AssemblyPath()
    {
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = testBin.Name;
        var configuration = testBin.Parent!.Name;
        for (var dir = testBin; dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Solution.sln")))
            {
                var path = Path.Combine(dir.FullName, "Pipelines", "bin", configuration, framework, "Pipelines.dll");
                return File.Exists(path) ? path : throw new FileNotFoundException($"Build the solution first: {path} is missing.", path);
            }
        }

        throw new DirectoryNotFoundException($"No Solution.sln above {testBin.FullName}.");
    }

    /// <summary>Starts a replica and waits until it answers <c>/health</c>.</summary>
    /// <param name="settings">Configuration as <c>Section:Key</c> pairs, passed as environment variables.</param>
    public static async Task<PipelinesProcess> StartAsync(
        string databaseConnectionString,
        string redisConnectionString,
        IReadOnlyDictionary<string, string> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var port = TestHttpServer.FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(AssemblyPath());
        start.Environment[$"ConnectionStrings__{Resources.Database}"] = databaseConnectionString;
        start.Environment[$"ConnectionStrings__{Resources.Redis}"] = redisConnectionString;
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = string.Empty;
        start.Environment["Logging__LogLevel__Default"] = "Information";
        start.Environment["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning";
        start.Environment["Logging__LogLevel__System.Net.Http"] = "Warning";
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var replica = new PipelinesProcess(Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start."), port);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            if (replica.HasExited)
            {
                throw new InvalidOperationException($"The Pipelines replica exited with {replica._process.ExitCode}:\n{replica.Log}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/health"));
                if (response.IsSuccessStatusCode)
                {
                    return replica;
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
                await replica.DisposeAsync();
                throw new TimeoutException($"The Pipelines replica was not healthy within 60 s:\n{replica.Log}");
            }

            await Task.Delay(250);
        }
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
