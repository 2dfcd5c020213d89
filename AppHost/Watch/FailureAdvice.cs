using System.Globalization;
using System.Text;
using Aspire.Hosting.ApplicationModel;
using Ductus.AppHost.Infrastructure;
using Ductus.Core;

namespace Ductus.AppHost.Watch;

/// <summary>What went wrong with one resource, in words an operator can act on.</summary>
/// <param name="Resource">The resource's name as the dashboard shows it.</param>
/// <param name="What">One sentence: what happened (exited with code 1, never healthy ...).</param>
/// <param name="LastLines">Its last log lines, oldest first.</param>
/// <param name="Evidence">Anything left behind worth opening (crash dumps), one line each.</param>
internal sealed record ResourceFailure(string Resource, string What, IReadOnlyList<string> LastLines, IReadOnlyList<string> Evidence)
{
    public string Format(string headline, string advice)
    {
        var text = new StringBuilder();
        text.AppendLine(headline);
        text.AppendLine(CultureInfo.InvariantCulture, $"  {Resource}: {What}");
        if (LastLines.Count > 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  Last lines of {Resource}:");
            foreach (var line in LastLines)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"    | {line}");
            }
        }
        else
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {Resource} wrote nothing to its log.");
        }

        foreach (var item in Evidence)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {item}");
        }

        text.Append(CultureInfo.InvariantCulture, $"  What to do: {advice}");
        return text.ToString();
    }
}

/// <summary>The usual causes of each resource's failure and what to try, so the report ends in an action.</summary>
internal static class FailureAdvice
{
    public static string For(IResource resource) => resource switch
    {
        LocalPostgresResource =>
            "read the lines above. A data folder still used by another PostgreSQL (\"lock file postmaster.pid already exists\": " +
            "stop that server, or wait until it has stopped), a cluster initialised with another " +
            $"{Resources.PostgresPassword}, or a folder the postgres user cannot enter are the usual causes; " +
            $"the cluster lives in Ductus:DataDir/pgdata (delete it to start afresh; its data is lost).",
        LocalRedisResource =>
            "read the lines above, then check that `redis-server --version` runs from this shell's PATH " +
            "and that Ductus:DataDir/redis is writable.",
        ProjectResource when resource.Name == Resources.Migrator =>
            "the schema migration failed: read the lines above, fix the database (or the migration), and start again; " +
            "`dotnet run --project Migrator` runs it alone against the stack in stack.json.",
        ProjectResource =>
            $"read the lines above; `dotnet run --project {ProjectFolder(resource.Name)}` runs the service alone with its full output. " +
            "A setting it refuses at start is named in its first error line.",
        _ => "read the lines above, fix the cause, and start the AppHost again.",
    };

    private static string ProjectFolder(string resource) => resource switch
    {
        Resources.Api => "Api",
        Resources.Pipelines => "Pipelines",
        Resources.Analytics => "Analytics",
        _ => resource,
    };
}
