using System.Text.Json;
using Aspire.Hosting.ApplicationModel;
using Ductus.Core;

namespace Ductus.AppHost.Infrastructure;

/// <summary>
/// Writes <c>&lt;DataDir&gt;/stack.json</c> once the database is ready: the connection strings
/// and lake folder of the running stack, so the command-line tools
/// (<c>dotnet run --project Pipelines -- run spec.yaml</c>) find it without any flags.
/// It holds the generated database password, so only the owner may read it.
/// </summary>
internal static class StackFile
{
    public const string FileName = "stack.json";

    public static void WriteWhenReady(IDistributedApplicationBuilder builder, DuctusInfrastructure infra, string lakeRoot)
    {
        builder.Eventing.Subscribe<ResourceReadyEvent>(infra.DatabaseServer.Resource, async (_, ct) =>
        {
            var stack = new StackInfo(
                new Dictionary<string, string?>
                {
                    [Resources.Database] = await infra.Database.Resource.ConnectionStringExpression.GetValueAsync(ct),
                    [Resources.Redis] = await infra.Redis.Resource.ConnectionStringExpression.GetValueAsync(ct),
                },
                lakeRoot);
            var path = Path.Combine(infra.DataDirectory, FileName);
            await using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }

                await JsonSerializer.SerializeAsync(file, stack, StackInfo.Json, ct);
            }
        });
    }
}

/// <summary>The shape of stack.json; the CLI reads the same record.</summary>
internal sealed record StackInfo(Dictionary<string, string?> ConnectionStrings, string LakeRoot)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };
}
