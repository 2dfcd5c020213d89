using System.Text.Json;
using Ductus.Cli;
using Ductus.Core;
using Ductus.Core.Contracts;

namespace Ductus.Tests.Infrastructure;

/// <summary>What one <c>ductus</c> command printed and returned.</summary>
public sealed record CliResult(int ExitCode, string Output, string Errors)
{
    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Output}\nstderr:\n{Errors}";
}

/// <summary>
/// Runs <c>ductus</c> commands in this process, with the environment the test gives (PATH
/// only, by default) rather than the test runner's, so a developer's own DUCTUS_* variables
/// cannot change what a test sees.
/// </summary>
public static class DuctusCommand
{
    public static async Task<CliResult> RunAsync(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        using var output = new StringWriter();
        using var errors = new StringWriter();
        string? Lookup(string name) =>
            environment?.TryGetValue(name, out var value) == true ? value : name == "PATH" ? Environment.GetEnvironmentVariable("PATH") : null;
        var exit = await DuctusCli.RunAsync(args, new CliContext(output, errors, Lookup), CancellationToken.None);
        return new CliResult(exit, output.ToString(), errors.ToString());
    }

    public static Task<CliResult> RunAsync(params string[] args) => RunAsync(null, args);

    /// <summary>Writes a stack file for a catalog database and lake folder that are not a running stack's (a scratch database).</summary>
    public static async Task<string> WriteStackFileAsync(string folder, string databaseConnectionString, string lakeRoot)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, StackInfo.FileName);
        var stack = new StackInfo(new Dictionary<string, string?> { [Resources.Database] = databaseConnectionString }, lakeRoot);
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(stack, StackInfo.Json));
        return path;
    }
}
