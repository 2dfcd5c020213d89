using System.Text.Json;
using System.Text.RegularExpressions;
using Ductus.Tests.Infrastructure;

namespace Ductus.Tests.Deployment;

/// <summary>
/// What the hand-written deployment files (deploy/compose.yaml, deploy/kubernetes/) must share
/// with the manifest, and the offline validators that check them (deploy/check.mjs).
/// </summary>
public static partial class DeploymentEnvironment
{
    public static string DeployFolder => Path.Combine(Infrastructure.Repository.Root, "deploy");

    /// <summary>An environment variable that carries a credential or a connection string.</summary>
    public static bool IsSecretName(string name) => SecretName().IsMatch(name);

    /// <summary>
    /// The variables a service reads itself (connections, Ductus settings, where analytics is,
    /// the port): a deployment file must give every one of them. The rest of the manifest's
    /// variables are Aspire's plumbing (its OTLP retry, forwarded headers, the per-part
    /// connection properties no Ductus code reads) and the https variant of service discovery,
    /// which a cluster-internal hop does not use.
    /// </summary>
    public static IEnumerable<string> RequiredNames(IReadOnlyDictionary<string, string> manifestEnv) =>
        manifestEnv.Keys.Where(k => RequiredName().IsMatch(k));

    /// <summary>Runs <c>node deploy/check.mjs &lt;what&gt;</c> (validators pinned in deploy/package-lock.json) and returns what it printed.</summary>
    public static async Task<JsonElement> CheckAsync(string what)
    {
        await ExternalProcess.EnsureNpmPackagesAsync(DeployFolder);
        var checkedFiles = await ExternalProcess.RunAsync(DeployFolder, "node", ["check.mjs", what]);
        Assert.True(checkedFiles.ExitCode == 0, $"deploy/check.mjs {what}: {checkedFiles}");
        using var document = JsonDocument.Parse(checkedFiles.Output);
        return document.RootElement.Clone();
    }

    /// <summary>The image repository <c>dotnet publish -t:PublishContainer</c> gives a project (its ContainerRepository).</summary>
    public static string ContainerRepository(string projectFile)
    {
        var match = ContainerRepositoryProperty().Match(File.ReadAllText(projectFile));
        Assert.True(match.Success, $"{projectFile} names no ContainerRepository");
        return match.Groups[1].Value;
    }

    /// <summary>The image without registry prefix and tag: <c>${DUCTUS_REGISTRY:-}ductus/api:${DUCTUS_TAG:-latest}</c> is <c>ductus/api</c>.</summary>
    public static string Repository(string image) =>
        Regex.Replace(Regex.Replace(image, @"^\$\{[^}]*\}", string.Empty), @":(\$\{[^}]*\}|[^/:]+)$", string.Empty);

    [GeneratedRegex("PASSWORD|SECRET|KEY|TOKEN|^ConnectionStrings__", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();

    [GeneratedRegex("^(ConnectionStrings__|Ductus__|services__[^_]+__http__|HTTP_PORTS$)")]
    private static partial Regex RequiredName();

    [GeneratedRegex("<ContainerRepository>([^<]+)</ContainerRepository>")]
    private static partial Regex ContainerRepositoryProperty();
}
