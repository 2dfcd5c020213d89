using System.Diagnostics;
using Ductus.Core.Catalog;

namespace Ductus.AppHost.Infrastructure;

/// <summary>Looks at this machine: does a container engine answer, where are the server binaries.</summary>
internal static class MachineProbe
{
    public static MachineFacts Probe(string? containerRuntime, bool probeContainers)
    {
        var (answers, detail) = probeContainers ? ContainerRuntimeAnswers(containerRuntime ?? "docker") : (false, "not probed");
        return new MachineFacts(answers, FindLocalBinaries(Environment.GetEnvironmentVariable("PATH")), detail);
    }

    /// <summary>
    /// The CLI alone proves nothing (it is often installed without an engine), so ask the
    /// engine itself, with a short timeout so a hung socket cannot stall the AppHost.
    /// </summary>
    private static (bool Answers, string? Detail) ContainerRuntimeAnswers(string runtime)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(runtime, ["info", "--format", "{{.ServerVersion}}"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null)
            {
                return (false, $"'{runtime}' did not start");
            }

            if (!process.WaitForExit(TimeSpan.FromSeconds(5)))
            {
                process.Kill(entireProcessTree: true);
                return (false, $"'{runtime} info' did not answer within 5 s");
            }

            var error = process.StandardError.ReadToEnd().Trim();
            return process.ExitCode == 0
                ? (true, null)
                : (false, $"'{runtime} info' failed: {FirstLine(error)}");
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return (false, $"'{runtime}' is not installed");
        }
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0];

    public static LocalBinaries? FindLocalBinaries(string? path)
    {
        var dirs = PostgresPrograms.SearchFolders(path);
        var postgres = Find(dirs, "postgres");
        // initdb must come from the same installation as postgres, or the cluster will not open.
        var initdb = postgres is null ? null : Find([Path.GetDirectoryName(ResolveLink(postgres))!, .. dirs], "initdb");
        var redis = Find(dirs, "redis-server");
        return postgres is not null && initdb is not null && redis is not null ? new LocalBinaries(initdb, postgres, redis) : null;
    }

    private static string ResolveLink(string file) =>
        new FileInfo(file).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? file;

    private static string? Find(IEnumerable<string> dirs, string name) => PostgresPrograms.Find(dirs, name);
}
