using Ductus.Core.Catalog;
using Ductus.Core.Models;
using Ductus.Core.Sources;
using Ductus.Core.Specs;
using Microsoft.Extensions.Options;

namespace Ductus.Pipelines.Scheduling;

/// <summary>
/// Watches the pipelines folder: every valid spec file is stored in the catalog (a new version
/// only when it changed) and scheduled; an invalid one is logged with every error and its path,
/// and the last valid version keeps running. Rescans on file events and every minute, since
/// file events are lost on some file systems (network shares, containers' bind mounts).
/// </summary>
public sealed class SpecFolderSync(
    CatalogStore catalog,
    ScheduleSync schedules,
    SourceAccess sources,
    IOptions<PipelinesOptions> options,
    ILogger<SpecFolderSync> logger) : BackgroundService
{
    private readonly SemaphoreSlim _changed = new(0, 1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var folder = options.Value.Folder;
        if (string.IsNullOrWhiteSpace(folder) || !Directory.Exists(folder))
        {
            logger.LogWarning("No pipelines folder ({Folder}); specs come only from the API", folder);
            return;
        }

        using var watcher = new FileSystemWatcher(folder) { IncludeSubdirectories = false, EnableRaisingEvents = true };
        watcher.Changed += (_, _) => Nudge();
        watcher.Created += (_, _) => Nudge();
        watcher.Deleted += (_, _) => Nudge();
        watcher.Renamed += (_, _) => Nudge();

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await SyncOnceAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Syncing the pipelines folder {Folder} failed; retrying", folder);
            }

            try
            {
                await _changed.WaitAsync(TimeSpan.FromMinutes(1), stoppingToken);
                // Editors write a file in several steps; let them finish.
                await Task.Delay(TimeSpan.FromMilliseconds(300), stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Nudge()
    {
        if (_changed.CurrentCount == 0)
        {
            try
            {
                _changed.Release();
            }
            catch (SemaphoreFullException)
            {
            }
        }
    }

    public async Task SyncOnceAsync(CancellationToken ct)
    {
        var workspaceName = options.Value.Workspace;
        var created = new AuditEntry(AuditActors.Folder(Path.GetFileName(Path.TrimEndingDirectorySeparator(options.Value.Folder))), AuditActions.WorkspaceCreated, workspaceName);
        var workspace = new WorkspaceRecord(await catalog.Workspaces.EnsureAsync(workspaceName, created, ct), workspaceName);
        var files = Directory.EnumerateFiles(options.Value.Folder)
            .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal);

        var loaded = new HashSet<string>(StringComparer.Ordinal);
        var models = new List<(string File, string Text, bool IsJson, PipelineSpec Spec)>();
        foreach (var file in files)
        {
            var text = await File.ReadAllTextAsync(file, ct);
            var isJson = file.EndsWith(".json", StringComparison.OrdinalIgnoreCase);
            var parsed = isJson ? SpecParser.ParseJson(text) : SpecParser.ParseYaml(text);
            var errors = parsed.Spec is null ? parsed.Errors : [.. parsed.Errors, .. sources.Validate(parsed.Spec, workspaceName)];
            if (parsed.Spec is null || errors.Count > 0)
            {
                LogRefused(file, errors);
                continue;
            }

            if (parsed.Spec.Source.Kind is SourceKind.Model)
            {
                models.Add((file, text, isJson, parsed.Spec));
                continue;
            }

            await SaveAsync(file, text, isJson, parsed.Spec, []);
        }

        // Models read datasets other specs produce, perhaps other models': they are saved once
        // what they read is, in as many rounds as the longest chain in the folder.
        // The last round's answer for each model still refused is why it is refused.
        var refusals = new Dictionary<string, IReadOnlyList<SpecError>>(StringComparer.Ordinal);
        for (var progress = true; models.Count > 0 && progress;)
        {
            progress = false;
            foreach (var model in models.ToList())
            {
                var resolution = await ModelInputs.ResolveAsync(catalog, workspace.Id, model.Spec, ct);
                if (resolution.Errors.Count == 0)
                {
                    await SaveAsync(model.File, model.Text, model.IsJson, model.Spec, resolution.Inputs);
                    models.Remove(model);
                    progress = true;
                }
                else
                {
                    refusals[model.File] = resolution.Errors;
                }
            }
        }

        foreach (var model in models)
        {
            LogRefused(model.File, refusals[model.File]);
        }

        async Task SaveAsync(string file, string text, bool isJson, PipelineSpec spec, IReadOnlyList<string> inputs)
        {
            loaded.Add(spec.Name);
            int version;
            try
            {
                version = await catalog.Pipelines.SaveAsync(workspace.Id, spec.Name, SpecWriter.ToJson(spec), text, isJson ? "json" : "yaml", spec.Schedule, spec.Target.Dataset,
                    inputs, new AuditEntry(AuditActors.Folder(Path.GetFileName(file)), AuditActions.PipelineUpdated, spec.Name), ct);
            }
            catch (ArchivedNameException e)
            {
                // Archiving is a person's decision; a file left in the folder does not undo it.
                logger.LogWarning("Spec {File} not loaded: {Reason}", Path.GetFileName(file), e.Message);
                return;
            }

            logger.LogDebug("Pipeline {Pipeline} from {File} is at version {Version}", spec.Name, Path.GetFileName(file), version);
        }

        // Saved versions reach the scheduler here rather than through a change notice: this is
        // the Pipelines service itself. Jobs of pipelines deleted meanwhile go in the sweep.
        foreach (var name in loaded)
        {
            await schedules.SyncPipelineAsync(workspace, name, ct);
        }

        await schedules.RunNeverLoadedAsync(workspace, loaded, ct);
    }

    private void LogRefused(string file, IReadOnlyList<SpecError> errors) =>
        logger.LogError("Spec {File} has {Count} error(s), not loaded: {Errors}", Path.GetFileName(file), errors.Count, string.Join("; ", errors));
}
