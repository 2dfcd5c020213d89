using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;

namespace Ductus.AppHost.Infrastructure;

/// <summary>
/// The folders the services are told about: the Parquet lake (pipelines write it, analytics
/// reads it, so both must be given the same one), the watched spec folder, and the one root
/// local sources may be read from.
/// </summary>
public sealed record ServiceFolders(ReferenceExpression LakeRoot, ReferenceExpression PipelinesFolder, ReferenceExpression SourceRoot)
{
    public const string LakeRootParameter = "lake-root";
    public const string PipelinesFolderParameter = "pipelines-folder";
    public const string SourceRootParameter = "source-root";

    /// <summary>Where the deployment files under <c>deploy/</c> mount the lake volume.</summary>
    public const string ContainerLakeRoot = "/data/lake";

    /// <summary>Beside the service in its image (<c>/app</c>), where the deployment files mount the specs.</summary>
    public const string ContainerPipelinesFolder = "/app/pipelines";

    /// <summary>Where the deployment files mount the source-data volume.</summary>
    public const string ContainerSourceRoot = "/data/sources";

    /// <summary>
    /// For a published manifest: parameters whose defaults are the container paths, so a
    /// deployment can move a folder without a rebuild and nothing of the publishing machine
    /// (its paths, its folders) ends up in the manifest or on its disk.
    /// </summary>
    public static ServiceFolders AsDeploymentParameters(IDistributedApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return new ServiceFolders(
            Parameter(builder, LakeRootParameter, ContainerLakeRoot),
            Parameter(builder, PipelinesFolderParameter, ContainerPipelinesFolder),
            Parameter(builder, SourceRootParameter, ContainerSourceRoot));
    }

    private static ReferenceExpression Parameter(IDistributedApplicationBuilder builder, string name, string containerPath)
    {
        var parameter = builder.AddParameter(name, containerPath, publishValueAsDefault: true);
        return ReferenceExpression.Create($"{parameter}");
    }
}

/// <summary>The same folders on this machine, for a stack started with <c>dotnet run</c> or the tests.</summary>
public sealed record LocalFolders(string Repository, string Lake, string Pipelines, string Sources)
{
    /// <summary>
    /// <c>Ductus:LakeRoot</c> (default <c>&lt;DataDir&gt;/lake</c>, created here),
    /// <c>Ductus:PipelinesFolder</c> (default <c>pipelines/</c>) and <c>Ductus:SourceRoot</c>
    /// (default <c>data/</c>) of the repository.
    /// </summary>
    public static LocalFolders Resolve(IDistributedApplicationBuilder builder, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var lake = Path.GetFullPath(builder.Configuration["Ductus:LakeRoot"] ?? Path.Combine(dataDirectory, "lake"));
        Directory.CreateDirectory(lake);
        var repository = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, ".."));
        return new LocalFolders(
            repository,
            lake,
            Path.GetFullPath(builder.Configuration["Ductus:PipelinesFolder"] ?? Path.Combine(repository, "pipelines")),
            Path.GetFullPath(builder.Configuration["Ductus:SourceRoot"] ?? Path.Combine(repository, "data")));
    }

    public ServiceFolders ForServices() => new(Literal(Lake), Literal(Pipelines), Literal(Sources));

    private static ReferenceExpression Literal(string path) => ReferenceExpression.Create($"{path}");
}
