using System.Text.RegularExpressions;
using Ductus.Core.Lake;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Ductus.Analytics.Query;

/// <summary>A lake file a query could not read, named as the catalog names it.</summary>
/// <param name="Workspace">The workspace folder.</param>
/// <param name="Dataset">The dataset whose committed snapshot lists the file.</param>
/// <param name="File">The file's path relative to the lake root.</param>
public sealed record LakeFileProblem(string Workspace, string Dataset, string File, string Error);

/// <summary>
/// The lake files queries found missing or damaged (a deleted or corrupted Parquet file under a
/// committed snapshot). Such a file fails every query of its dataset and only of its dataset, so
/// the worker stays ready but its health says Degraded, and logs name the dataset and file, until
/// a query of that dataset reads again (the file was restored, or a new snapshot replaced it).
/// </summary>
public sealed partial class LakeFileProblems(IOptions<LakeOptions> lake, ILogger<LakeFileProblems> log) : IHealthCheck
{
    public const string Name = "lake-files";

    private readonly Dictionary<(string Workspace, string Dataset), LakeFileProblem> _problems = [];

    /// <summary>The lake files <paramref name="error"/> names in <paramref name="workspace"/>, each recorded and logged.</summary>
    public IReadOnlyList<LakeFileProblem> Record(string workspace, Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var root = Path.TrimEndingDirectorySeparator(lake.Value.Root) + "/";
        var found = new List<LakeFileProblem>();
        foreach (Match match in LakePath().Matches(error.Message))
        {
            var path = match.Value;
            if (!path.StartsWith(root, StringComparison.Ordinal))
            {
                continue;
            }

            var relative = path[root.Length..];
            var parts = relative.Split('/');
            if (parts.Length < 3 || parts[0] != workspace)
            {
                continue;
            }

            var problem = new LakeFileProblem(workspace, parts[1], relative, error.Message.Replace(root, string.Empty, StringComparison.Ordinal));
            found.Add(problem);
            lock (_problems)
            {
                _problems[(workspace, problem.Dataset)] = problem;
            }

            log.LogError("Lake file {File} of dataset {Dataset} (workspace {Workspace}) cannot be read: {Error}", relative, problem.Dataset, workspace, problem.Error);
        }

        return found;
    }

    /// <summary>A query read these datasets: whatever was wrong with their files is no more.</summary>
    public void Readable(string workspace, IEnumerable<string> datasets)
    {
        ArgumentNullException.ThrowIfNull(datasets);
        lock (_problems)
        {
            if (_problems.Count == 0)
            {
                return;
            }

            foreach (var dataset in datasets)
            {
                if (_problems.Remove((workspace, dataset), out var solved))
                {
                    log.LogInformation("Dataset {Dataset} (workspace {Workspace}) reads again; {File} is no longer reported", dataset, workspace, solved.File);
                }
            }
        }
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        lock (_problems)
        {
            return Task.FromResult(_problems.Count == 0
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Degraded(
                    "Unreadable lake files: " + string.Join("; ", _problems.Values.Select(p => $"{p.File} (dataset {p.Dataset}, workspace {p.Workspace})"))));
        }
    }

    // A quoted or bare absolute path ending in .parquet, as DuckDB's messages name files.
    [GeneratedRegex(@"/[^'""\s]+?\.parquet")]
    private static partial Regex LakePath();
}
