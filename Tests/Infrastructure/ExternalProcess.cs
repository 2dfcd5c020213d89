using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace Ductus.Tests.Infrastructure;

/// <summary>What a finished process said; printed whole in assertion messages.</summary>
public sealed record ProcessResult(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n{Output}\n{Error}";
}

/// <summary>Runs the tools tests hold the project to (node, npm, dotnet) as a user would.</summary>
public static class ExternalProcess
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(5);

    private static readonly ConcurrentDictionary<string, SemaphoreSlim> NpmInstalls = new(StringComparer.Ordinal);

    public static async Task<ProcessResult> RunAsync(string folder, string file, IEnumerable<string> args, IDictionary<string, string>? env = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in env ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        var limit = timeout ?? DefaultTimeout;
        using var cancel = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', start.ArgumentList)} ran longer than {limit}");
        }

        return new ProcessResult(process.ExitCode, await output, await error);
    }

    /// <summary>
    /// Sends SIG<paramref name="signal"/> (<c>TERM</c>, <c>KILL</c>, <c>INT</c>, <c>ABRT</c>, <c>STOP</c> …)
    /// to <paramref name="pid"/> with kill(1), as an operator or a container platform does: .NET
    /// itself sends only SIGKILL. A non-zero exit is a process that was already gone.
    /// </summary>
    public static Task<ProcessResult> SignalAsync(int pid, string signal) =>
        RunAsync("/", "kill", [$"-{signal}", pid.ToString(CultureInfo.InvariantCulture)]);

    /// <summary>The npm packages pinned by the folder's package-lock.json; installed (npm ci) when a fresh clone has none.</summary>
    public static async Task EnsureNpmPackagesAsync(string folder)
    {
        var gate = NpmInstalls.GetOrAdd(Path.GetFullPath(folder), _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync();
        try
        {
            if (!File.Exists(Path.Combine(folder, "node_modules", ".package-lock.json")))
            {
                var installed = await RunAsync(folder, "npm", ["ci", "--no-audit", "--no-fund"]);
                Assert.True(installed.ExitCode == 0, $"npm ci in {folder}: {installed}");
            }
        }
        finally
        {
            gate.Release();
        }
    }
}
