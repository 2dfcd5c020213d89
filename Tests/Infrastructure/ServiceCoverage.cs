using System.Diagnostics;
using System.Text;

namespace Ductus.Tests.Infrastructure;

/// <summary>
/// Lets coverage count the code a stack's services run. Coverlet instruments the assemblies in
/// this test build's folder, but the AppHost starts each service (<c>dotnet run --project</c>)
/// from its own build output, where nothing is instrumented: the endpoints, the pipeline runner
/// and the query worker ran in every whole-stack test and counted as never run. When this run is
/// instrumented, each service of a stack gets a copy of its build output (hard links, so it costs
/// no disk) with its own assemblies replaced by the instrumented ones, and the stack's
/// <c>dotnet run</c> is pointed at it through MSBuild's <c>OutDir</c>. The code is the same build
/// either way; an instrumented process adds its hits to coverlet's file when it exits cleanly.
/// Each stack has copies of its own, so stopping one stack's services leaves another's running.
/// </summary>
public sealed class ServiceCoverage
{
    /// <summary>The services the AppHost runs from this solution's projects.</summary>
    private static readonly string[] Services = ["Api", "Pipelines", "Analytics"];

    /// <summary>Coverlet names the type it adds to an instrumented module in this namespace.</summary>
    private static readonly byte[] InstrumentedMarker = Encoding.UTF8.GetBytes("Coverlet.Core.Instrumentation.Tracker");

    private static readonly string TestBin = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);

    /// <summary>Per service, its build output and the assemblies in it that this run instrumented.</summary>
    private static readonly Lazy<Dictionary<string, (string Output, List<string> Instrumented)>> Instrumented = new(FindInstrumented);

    private readonly Dictionary<string, string> _folders;

    private ServiceCoverage(Dictionary<string, string> folders) => _folders = folders;

    /// <summary>
    /// Copies for one stack (<paramref name="stack"/> names it): none when this run is not
    /// instrumented, and then every service runs from its build output as usual.
    /// </summary>
    public static async Task<ServiceCoverage> ForStackAsync(string stack)
    {
        var folders = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (service, (output, assemblies)) in Instrumented.Value)
        {
            // Beside the service's own output (bin/Debug/net10.0 → bin/coverage-<stack>/net10.0):
            // build output, on the same file system, so hard links work.
            var copy = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(output)!)!, "coverage-" + stack, Path.GetFileName(output));
            if (Directory.Exists(copy))
            {
                Directory.Delete(copy, recursive: true);
            }

            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            await LinkTreeAsync(output, copy);
            foreach (var assembly in assemblies)
            {
                // Replace the link, not the file it points to: the service's own output stays as built.
                var target = Path.Combine(copy, assembly);
                File.Delete(target);
                File.Copy(Path.Combine(TestBin, assembly), target);
            }

            folders[service] = copy;
        }

        return new ServiceCoverage(folders);
    }

    /// <summary>The folder the service <paramref name="project"/> runs from in this stack, or null for its build output.</summary>
    public string? OutputFolder(string project) => _folders.GetValueOrDefault(project);

    /// <summary>
    /// Stops this stack's services with SIGTERM, waits for them to exit, and removes the copies:
    /// a service writes its hits on a clean exit, and the AppHost's own stop kills a service that
    /// takes more than a few seconds to wind down, before it has written them.
    /// </summary>
    public async Task StopServicesAsync(TimeSpan timeout)
    {
        if (_folders.Count == 0)
        {
            return;
        }

        foreach (var pid in RunningFromCopies())
        {
            await ExternalProcess.SignalAsync(pid, "TERM");
        }

        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < timeout && RunningFromCopies().Any())
        {
            await Task.Delay(100);
        }

        foreach (var folder in _folders.Values)
        {
            try
            {
                Directory.Delete(Path.GetDirectoryName(folder)!, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a copy left behind is build output that nothing runs.
            }
        }
    }

    private IEnumerable<int> RunningFromCopies() =>
        LinuxProcesses.Ids().Where(pid => LinuxProcesses.ExecutableOf(pid) is { } exe
            && _folders.Values.Any(folder => exe.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal)));

    private static Dictionary<string, (string Output, List<string> Instrumented)> FindInstrumented()
    {
        var found = new Dictionary<string, (string, List<string>)>(StringComparer.Ordinal);
        foreach (var service in Services)
        {
            var output = Path.GetDirectoryName(Repository.BuildOutput(service))!;
            var instrumented = OwnAssemblies(output).Where(IsInstrumentedHere).ToList();
            if (instrumented.Count > 0)
            {
                found[service] = (output, instrumented);
            }
        }

        return found;
    }

    /// <summary>The solution's assemblies in a service's output: the ones built with a pdb beside them.</summary>
    private static IEnumerable<string> OwnAssemblies(string output) =>
        Directory.EnumerateFiles(output, "*.dll")
            .Where(dll => File.Exists(Path.ChangeExtension(dll, ".pdb")))
            .Select(Path.GetFileName)
            .OfType<string>();

    private static bool IsInstrumentedHere(string assembly)
    {
        var path = Path.Combine(TestBin, assembly);
        return File.Exists(path) && File.ReadAllBytes(path).AsSpan().IndexOf(InstrumentedMarker) >= 0;
    }

    /// <summary>
    /// A copy of <paramref name="source"/> made of hard links. Not symbolic links: the service's
    /// native launcher finds its assemblies next to its own resolved path.
    /// </summary>
    private static async Task LinkTreeAsync(string source, string destination)
    {
        var copy = await ExternalProcess.RunAsync("/", "cp", ["-al", source, destination]);
        if (copy.ExitCode != 0)
        {
            throw new InvalidOperationException($"cp -al {source} {destination} failed: {copy}");
        }
    }
}
