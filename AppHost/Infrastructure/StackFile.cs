using System.Text.Json;
using Aspire.Hosting.ApplicationModel;
using Ductus.Core;
using Ductus.Core.Contracts;

namespace Ductus.AppHost.Infrastructure;

/// <summary>
/// Writes <c>&lt;DataDir&gt;/stack.json</c> once the database is ready: the connection strings,
/// lake folder, Api address and bootstrap admin key of the running stack, so the command-line
/// tools (<c>ductus</c>, <c>dotnet run --project Pipelines -- run spec.yaml</c>, <c>bench/run.sh api</c>) find
/// it without any flags. It holds secrets, so only the owner may read it.
/// </summary>
internal static class StackFile
{
    public static void WriteWhenReady(IDistributedApplicationBuilder builder, DuctusInfrastructure infra, string dataDirectory, string lakeRoot)
    {
        async Task WriteAsync(CancellationToken ct)
        {
            var stack = new StackInfo(
                new Dictionary<string, string?>
                {
                    [Resources.Database] = await infra.Database.Resource.ConnectionStringExpression.GetValueAsync(ct),
                    [Resources.Redis] = await infra.Redis.Resource.ConnectionStringExpression.GetValueAsync(ct),
                },
                lakeRoot)
            {
                Api = ApiUrl(builder),
                AdminKey = builder.Resources.OfType<ParameterResource>().FirstOrDefault(p => p.Name == Resources.AdminKey) is { } key
                    ? await key.GetValueAsync(ct)
                    : null,
            };
            var path = Path.Combine(dataDirectory, StackInfo.FileName);
            await using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }

                await JsonSerializer.SerializeAsync(file, stack, StackInfo.Json, ct);
            }
        }

        if (infra.DatabaseServer is { } server)
        {
            builder.Eventing.Subscribe<ResourceReadyEvent>(server.Resource, (_, ct) => WriteAsync(ct));
        }
        else
        {
            // External services are up before the stack starts; once the Api is ready its address is known too.
            builder.Eventing.Subscribe<ResourceReadyEvent>((e, ct) => e.Resource.Name == Resources.Api ? WriteAsync(ct) : Task.CompletedTask);
        }
    }

    private static string? ApiUrl(IDistributedApplicationBuilder builder)
    {
        if (builder.Resources.OfType<ProjectResource>().FirstOrDefault(r => r.Name == Resources.Api) is not { } api)
        {
            return null;
        }

        var endpoint = new EndpointReference(api, "http");
        return endpoint.IsAllocated ? endpoint.Url : null;
    }
}
