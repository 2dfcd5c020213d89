using System.Reflection;
using System.Text.RegularExpressions;
using Ductus.Tests.Infrastructure;

namespace Ductus.Tests.Deployment;

/// <summary>
/// Publishes the AppHost's manifest with the command the README gives
/// (<c>dotnet run --project AppHost -- --publisher manifest --output-path ...</c>), from the
/// build the tests run on, into a scratch folder, and records what the publishing left on disk.
/// Each kind is published once per test run and shared by the deployment tests.
/// </summary>
public static partial class ManifestPublisher
{
    public const string ManifestFile = "aspire-manifest.json";

    /// <summary>What one publishing produced and left behind.</summary>
    /// <param name="Manifest">The manifest.</param>
    /// <param name="Scratch">The scratch folder (deleted after publishing): the output folder and the local folders the command line named.</param>
    /// <param name="EntriesLeft">Every file and folder under <paramref name="Scratch"/> afterwards, relative to it.</param>
    /// <param name="RepositoryDataFolderCreated">Whether the repository's <c>.ductus/</c> appeared.</param>
    /// <param name="UserSecretsChanged">Whether the AppHost's user-secrets file appeared or changed.</param>
    public sealed record Published(
        AspireManifest Manifest,
        string Scratch,
        IReadOnlyList<string> EntriesLeft,
        bool RepositoryDataFolderCreated,
        bool UserSecretsChanged);

    /// <summary>The default: PostgreSQL and Redis as containers.</summary>
    public static Task<Published> Containers => LazyContainers.Value;

    /// <summary><c>Ductus:Infrastructure=external</c>: managed PostgreSQL and Redis given as connection strings.</summary>
    public static Task<Published> External => LazyExternal.Value;

    private static readonly Lazy<Task<Published>> LazyContainers = new(() => PublishAsync());

    private static readonly Lazy<Task<Published>> LazyExternal = new(() => PublishAsync("--Ductus:Infrastructure=external"));

    public static Task<Published> For(string infrastructure) => infrastructure switch
    {
        "containers" => Containers,
        "external" => External,
        _ => throw new ArgumentOutOfRangeException(nameof(infrastructure), infrastructure, "containers or external"),
    };

    /// <summary>
    /// Publishes with <paramref name="settings"/> added. The local-folder settings a run of the
    /// stack honours point into the scratch folder, so anything publishing wrongly creates
    /// there, or writes into the manifest, is seen.
    /// </summary>
    public static async Task<Published> PublishAsync(params string[] settings)
    {
        var repository = Repository.Root;
        var scratch = Path.Combine(Path.GetTempPath(), "ductus-manifest-" + Guid.NewGuid().ToString("N")[..10]);
        var output = Path.Combine(scratch, "out");
        Directory.CreateDirectory(output);
        var dataFolder = Path.Combine(repository, ".ductus");
        var dataFolderBefore = Directory.Exists(dataFolder);
        var secrets = UserSecretsFile(repository);
        var secretsBefore = File.Exists(secrets) ? File.GetLastWriteTimeUtc(secrets) : (DateTime?)null;
        try
        {
            var published = await RunAsync(scratch, settings);
            Assert.True(published.ExitCode == 0, $"publishing the manifest failed: {published}");

            var entries = Directory.EnumerateFileSystemEntries(scratch, "*", SearchOption.AllDirectories)
                .Select(e => Path.GetRelativePath(scratch, e))
                .Order(StringComparer.Ordinal)
                .ToList();
            var secretsAfter = File.Exists(secrets) ? File.GetLastWriteTimeUtc(secrets) : (DateTime?)null;
            return new Published(
                AspireManifest.Load(Path.Combine(output, ManifestFile)),
                scratch,
                entries,
                !dataFolderBefore && Directory.Exists(dataFolder),
                secretsBefore != secretsAfter);
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    /// <summary>Publishing with <paramref name="settings"/> that the AppHost should refuse: how the command ended.</summary>
    public static async Task<ProcessResult> RefusedAsync(params string[] settings)
    {
        var scratch = Path.Combine(Path.GetTempPath(), "ductus-manifest-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(Path.Combine(scratch, "out"));
        try
        {
            return await RunAsync(scratch, settings);
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    private static Task<ProcessResult> RunAsync(string scratch, string[] settings)
    {
        var configuration = typeof(ManifestPublisher).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        return ExternalProcess.RunAsync(
            scratch,
            "dotnet",
            [
                "run", "--project", Path.Combine(Repository.Root, "AppHost"), "--no-build", "-c", configuration, "--",
                "--publisher", "manifest", "--output-path", Path.Combine(scratch, "out", ManifestFile),
                $"--Ductus:DataDir={Path.Combine(scratch, "machine", "data")}",
                $"--Ductus:LakeRoot={Path.Combine(scratch, "machine", "lake")}",
                $"--Ductus:PipelinesFolder={Path.Combine(scratch, "machine", "pipelines")}",
                $"--Ductus:SourceRoot={Path.Combine(scratch, "machine", "sources")}",
                .. settings,
            ],
            timeout: TimeSpan.FromMinutes(3));
    }

    /// <summary>Where <c>dotnet user-secrets</c> keeps the AppHost's generated parameters on this machine.</summary>
    private static string UserSecretsFile(string repository)
    {
        var id = UserSecretsId().Match(File.ReadAllText(Path.Combine(repository, "AppHost", "AppHost.csproj"))).Groups[1].Value;
        // The rule of Microsoft.Extensions.Configuration.UserSecrets: %APPDATA% on Windows, else $HOME.
        var appData = Environment.GetEnvironmentVariable("APPDATA");
        return string.IsNullOrEmpty(appData)
            ? Path.Combine(Environment.GetEnvironmentVariable("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".microsoft", "usersecrets", id, "secrets.json")
            : Path.Combine(appData, "Microsoft", "UserSecrets", id, "secrets.json");
    }

    [GeneratedRegex("<UserSecretsId>([^<]+)</UserSecretsId>")]
    private static partial Regex UserSecretsId();
}
