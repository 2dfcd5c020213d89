using System.Collections;
using System.Diagnostics;
using Ductus.Tests.Infrastructure;

namespace Ductus.Tests.Deployment;

/// <summary>
/// The services as <c>dotnet publish</c> lays them out for their images, in a folder outside the
/// repository: what runs from there cannot lean on the source tree (a repository's
/// <c>data/</c> or <c>pipelines/</c> found by walking up, appsettings of a sibling project).
/// </summary>
public sealed class PublishedServices : IAsyncDisposable
{
    /// <summary>The projects a deployment runs: three services and the run-once migrator.</summary>
    public static readonly IReadOnlyList<string> Projects = ["Api", "Analytics", "Pipelines", "Migrator"];

    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(5);

    private PublishedServices(string root, TimeSpan took)
    {
        Root = root;
        Took = took;
    }

    public string Root { get; }

    /// <summary>How long publishing the four projects took.</summary>
    public TimeSpan Took { get; }

    /// <summary>The entry assembly of a published project.</summary>
    public string Assembly(string project) => Path.Combine(Root, project, project + ".dll");

    /// <summary>
    /// Publishes every project into <paramref name="root"/>/&lt;Project&gt;. <c>--no-build</c>: the
    /// solution was built by the <c>dotnet test</c> running this (same configuration), so publishing
    /// is the copy into the image layout, not a second compile.
    /// </summary>
    public static async Task<PublishedServices> PublishAsync(string root)
    {
        if (root.StartsWith(Repository.Root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Publish outside the repository, not into {root}.", nameof(root));
        }

        // The SDK needs the usual environment (HOME, PATH, the NuGet cache) that the services must not get.
        var environment = Environment.GetEnvironmentVariables().Cast<DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? string.Empty);
        var clock = Stopwatch.StartNew();
        foreach (var project in Projects)
        {
            await ServiceProcess.RunToExitAsync(
                $"dotnet publish {project}",
                [
                    "publish", Path.Combine(Repository.Root, project, project + ".csproj"),
                    "--no-build", "-c", Repository.Configuration, "-o", Path.Combine(root, project),
                    // No MSBuild node or compiler server may outlive the test run.
                    "--disable-build-servers", "-nologo", "-v", "q",
                ],
                environment,
                PublishTimeout);
        }

        var published = new PublishedServices(root, clock.Elapsed);
        foreach (var project in Projects)
        {
            if (!File.Exists(published.Assembly(project)))
            {
                throw new FileNotFoundException($"dotnet publish left no {published.Assembly(project)}.");
            }
        }

        return published;
    }

    public ValueTask DisposeAsync()
    {
        // Each service's folder holds DuckDB's native libraries for every platform (~330 MB).
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }

        return ValueTask.CompletedTask;
    }
}
