using System.Globalization;
using Ductus.Core;
using Ductus.Core.Catalog;
using Ductus.Core.Contracts;
using Ductus.Core.Sources;
using Ductus.Core.Specs;
using Ductus.Pipelines.Engine;
using Ductus.Pipelines.Net;
using Ductus.Pipelines.Runs;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using StackExchange.Redis;

namespace Ductus.Pipelines;

/// <summary>
/// <c>dotnet run --project Pipelines -- validate|run &lt;spec.yaml&gt;</c>: the same engine and
/// catalog as the service, for authors and for CI of their own pipelines. <c>run</c> commits to
/// the running stack, found through <c>.ductus/stack.json</c> (written by the AppHost) or
/// <c>ConnectionStrings__ductus</c> + <c>Ductus__Lake__Root</c>.
/// </summary>
internal static class PipelinesCli
{
    public static bool Handles(string[] args) => args.Length > 0 && args[0] is "validate" or "run" or "help" or "--help";

    /// <summary>The command on this process's console.</summary>
    public static async Task<int> RunInConsoleAsync(string[] args)
    {
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            // First Ctrl+C cancels the run cleanly (nothing is committed); the run is recorded as cancelled.
            e.Cancel = true;
            cancel.Cancel();
        };
        return await RunAsync(args, Console.Out, Console.Error, cancel.Token);
    }

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter errors, CancellationToken ct)
    {
        if (args.Length < 2 || args[0] is "help" or "--help")
        {
            await output.WriteLineAsync("usage: Pipelines validate <spec.yaml|json> [--source-root DIR]\n       Pipelines run <spec.yaml|json> [--workspace NAME] [--source-root DIR] [--stack FILE]");
            return args.Length < 2 && args[0] is not ("help" or "--help") ? ExitCodes.Usage : ExitCodes.Ok;
        }

        Dictionary<string, string> options;
        try
        {
            options = Options(args[2..]);
        }
        catch (ArgumentException e)
        {
            await errors.WriteLineAsync(e.Message);
            return ExitCodes.Usage;
        }

        var roots = new SourceRoots(options.TryGetValue("source-root", out var root) ? Path.GetFullPath(root) : SourceRoots.RepositoryDataFolder(Directory.GetCurrentDirectory()));
        var (spec, specErrors) = await LoadAsync(args[1], roots, ct);
        if (spec is null)
        {
            await errors.WriteLineAsync($"{args[1]}: {specErrors.Count} error(s)");
            foreach (var error in specErrors)
            {
                await errors.WriteLineAsync($"  {error}");
            }

            return ExitCodes.Failed;
        }

        if (args[0] == "validate")
        {
            await output.WriteLineAsync($"{args[1]}: valid ({spec.Name} → {spec.Target.Dataset}, {spec.Target.Mode.ToString().ToLowerInvariant()})");
            return ExitCodes.Ok;
        }

        var stack = StackInfo.Find(options.GetValueOrDefault("stack"), Environment.GetEnvironmentVariable);
        if (stack?.Database is null)
        {
            await errors.WriteLineAsync("No running stack found: start it with `dotnet run --project AppHost` (it writes .ductus/stack.json), or set ConnectionStrings__ductus and Ductus__Lake__Root.");
            return ExitCodes.Unreachable;
        }

        await using var db = NpgsqlDataSource.Create(CatalogRole.Adopt(stack.Database));
        await using var redis = await ConnectRedisAsync(stack);
        // With the stack's Redis the commit moves the version tokens, so the running Api's cached
        // catalog reads show the new snapshot at once instead of after their 30 s bound.
        var catalog = new CatalogStore(db, TimeProvider.System, redis is null ? null : new RedisCatalogVersions(redis, NullLogger<RedisCatalogVersions>.Instance));
        var workspaceName = options.GetValueOrDefault("workspace", "default");
        Guid? workspace;
        try
        {
            workspace = await catalog.Workspaces.FindAsync(workspaceName, ct);
        }
        catch (NpgsqlException e)
        {
            await errors.WriteLineAsync($"Cannot reach the stack's database ({e.Message}); is `dotnet run --project AppHost` running?");
            return ExitCodes.Unreachable;
        }

        if (workspace is null)
        {
            await errors.WriteLineAsync($"There is no workspace '{workspaceName}'.");
            return ExitCodes.Failed;
        }

        using var http = new HttpClient(GuardedHttp.CreateHandler(new EgressPolicy()));
        // Grants come from the environment too (Ductus__Grants__Secrets__github__Hosts__0=api.github.com).
        var grants = new SourceGrants();
        new ConfigurationBuilder().AddEnvironmentVariables().Build().GetSection(SourceGrants.Section).Bind(grants);
        var runner = new PipelineRunner(catalog, new RejectStore(db), new RunEngine(SourceAccess.Shared(roots, grants), http, TimeProvider.System)
        {
            // The CLI has no configuration files: secrets and connections come from the environment (Ductus__Secrets__github).
            Sources = new SourceSettings(key => Environment.GetEnvironmentVariable(key.Replace(":", "__", StringComparison.Ordinal))),
        }, stack.LakeRoot, NullLogger<PipelineRunner>.Instance)
        {
            Ingest = new Ingest.IngestDrainer(db, TimeProvider.System),
        };
        var run = await runner.RunAsync(new RunRequest(workspace.Value, workspaceName, spec, RunTrigger.Manual), ct);
        await output.WriteLineAsync(Summary(run));
        return run.Status == RunStatus.Succeeded ? ExitCodes.Ok : ExitCodes.Failed;
    }

    /// <summary>The stack's Redis when its file names one and it answers; the run needs none.</summary>
    private static async Task<ConnectionMultiplexer?> ConnectRedisAsync(StackInfo stack)
    {
        if (stack.ConnectionStrings.GetValueOrDefault(Resources.Redis) is not { Length: > 0 } connectionString)
        {
            return null;
        }

        try
        {
            var options = ConfigurationOptions.Parse(connectionString);
            options.ConnectTimeout = 2000;
            return await ConnectionMultiplexer.ConnectAsync(options);
        }
        catch (RedisConnectionException)
        {
            return null;
        }
    }

    internal static string Summary(RunRecord run)
    {
        var c = CultureInfo.InvariantCulture;
        var ratio = run.RowsRead == 0 ? 0 : (double)run.RowsRejected / run.RowsRead;
        var lines = new List<string>
        {
            $"run {run.Id} {run.Pipeline} → {run.Dataset}: {run.Status.ToString().ToLowerInvariant()}"
                + (run.SnapshotVersion is { } v ? $" (snapshot v{v})" : string.Empty),
            string.Create(c, $"  rows read {run.RowsRead:N0}, loaded {run.RowsLoaded:N0}, rejected {run.RowsRejected:N0} ({ratio:P2}), {run.Bytes:N0} bytes written"),
        };
        if (run.StepDurations.Count > 0)
        {
            string[] order = [RunSteps.Extract, RunSteps.Transform, RunSteps.Contract, RunSteps.Load];
            lines.Add("  " + string.Join(", ", run.StepDurations
                .OrderBy(d => Array.IndexOf(order, d.Key) is var i && i < 0 ? int.MaxValue : i)
                .Select(d => string.Create(c, $"{d.Key} {d.Value.TotalSeconds:0.00}s"))));
        }

        if (run.Error is not null)
        {
            lines.Add($"  error in {run.ErrorStep}: {run.Error}");
        }

        if (run.RowsRejected > 0)
        {
            lines.Add($"  rejected rows: GET /api/runs/{run.Id}/rejects");
        }

        return string.Join(Environment.NewLine, lines);
    }

    private static async Task<(PipelineSpec? Spec, IReadOnlyList<SpecError> Errors)> LoadAsync(string path, SourceRoots roots, CancellationToken ct)
    {
        // `dotnet run --project Pipelines` runs in the project folder; a path the user typed at
        // the repository root is found there.
        var repositoryRoot = Path.GetDirectoryName(SourceRoots.RepositoryDataFolder(Directory.GetCurrentDirectory()))!;
        if (!File.Exists(path) && !Path.IsPathRooted(path) && File.Exists(Path.Combine(repositoryRoot, path)))
        {
            path = Path.Combine(repositoryRoot, path);
        }

        if (!File.Exists(path))
        {
            return (null, [new SpecError("file", $"{path} does not exist")]);
        }

        var text = await File.ReadAllTextAsync(path, ct);
        var parsed = path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? SpecParser.ParseJson(text) : SpecParser.ParseYaml(text);
        if (parsed.Spec is null || parsed.Errors.Count > 0)
        {
            return (null, parsed.Errors);
        }

        var errors = SpecValidator.Validate(parsed.Spec, roots);
        return errors.Count > 0 ? (null, errors) : (parsed.Spec, []);
    }

    private static Dictionary<string, string> Options(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"Unexpected argument '{args[i]}'.");
            }

            if (i + 1 >= args.Length)
            {
                throw new ArgumentException($"Option {args[i]} needs a value.");
            }

            options[args[i][2..]] = args[i + 1];
        }

        return options;
    }
}
