using Aspire.Hosting.ApplicationModel;

namespace Ductus.AppHost.Watch;

/// <summary>
/// Where a service that aborts leaves its evidence: the .NET runtime writes a mini dump and a
/// crash report (the faulting thread's managed stack, as JSON) when the process dies of an
/// unhandled exception or a fatal signal (SIGABRT, SIGSEGV). SIGKILL leaves nothing: no code runs.
/// </summary>
internal static class CrashDumps
{
    public const string FolderName = "crash-dumps";

    /// <summary>
    /// Turns on the runtime's crash dumps for this machine's run of the service, into
    /// <paramref name="folder"/> as <c>&lt;resource&gt;.&lt;pid&gt;.dmp</c>. A published manifest
    /// leaves them out: a deployment decides where, and whether, its services dump.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithCrashDumpsIn(this IResourceBuilder<ProjectResource> project, string? folder)
    {
        ArgumentNullException.ThrowIfNull(project);
        if (folder is null || project.ApplicationBuilder.ExecutionContext.IsPublishMode)
        {
            return project;
        }

        Directory.CreateDirectory(folder);
        return project
            .WithEnvironment("DOTNET_DbgEnableMiniDump", "1")
            // 1 = mini dump: threads and stacks, tens of MB rather than the whole heap.
            .WithEnvironment("DOTNET_DbgMiniDumpType", "1")
            .WithEnvironment("DOTNET_DbgMiniDumpName", Path.Combine(folder, $"{project.Resource.Name}.%p.dmp"))
            .WithEnvironment("DOTNET_EnableCrashReport", "1");
    }

    /// <summary>
    /// The dumps and crash reports <paramref name="resource"/> left in <paramref name="folder"/>
    /// since <paramref name="since"/>. By time, not process id: DCP knows the process it started
    /// (<c>dotnet run</c>), the dump is named after the service's own process below it.
    /// </summary>
    public static IReadOnlyList<string> Find(string? folder, string resource, DateTimeOffset? since)
    {
        if (folder is null || !Directory.Exists(folder))
        {
            return [];
        }

        return [.. Directory.EnumerateFiles(folder, $"{resource}.*.dmp*")
            .Where(f => since is null || File.GetLastWriteTimeUtc(f) >= since.Value.UtcDateTime.AddSeconds(-1))
            .Order(StringComparer.Ordinal)];
    }
}
