using Ductus.Core;

namespace Ductus.Tests.Infrastructure;

/// <summary>
/// A Pipelines service replica as its own OS process from the build output the AppHost runs, so
/// a test can run several against one database and kill one with SIGKILL.
/// </summary>
public static class PipelinesProcess
{
    /// <summary>The Pipelines build output next to this test build (same configuration).</summary>
    public static string AssemblyPath() => Repository.BuildOutput("Pipelines");

    /// <summary>Starts a replica and waits until it answers <c>/health</c>.</summary>
    /// <param name="settings">Configuration as <c>Section:Key</c> pairs, passed as environment variables.</param>
    public static Task<ServiceProcess> StartAsync(
        string databaseConnectionString,
        string redisConnectionString,
        IReadOnlyDictionary<string, string> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var environment = new Dictionary<string, string>
        {
            [$"ConnectionStrings__{Resources.Database}"] = databaseConnectionString,
            [$"ConnectionStrings__{Resources.Redis}"] = redisConnectionString,
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Logging__LogLevel__Default"] = "Information",
            ["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning",
            ["Logging__LogLevel__System.Net.Http"] = "Warning",
        };
        foreach (var (key, value) in settings)
        {
            environment[ServiceProcess.VariableName(key)] = value;
        }

        return ServiceProcess.StartAsync(Resources.Pipelines, AssemblyPath(), environment);
    }
}
