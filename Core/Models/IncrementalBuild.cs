using System.Security.Cryptography;
using System.Text;
using Ductus.Core.Catalog;
using Ductus.Core.Lake;
using Ductus.Core.Specs;

namespace Ductus.Core.Models;

/// <summary>How a model's run builds its output.</summary>
/// <param name="Incremental">True: only the driving input's appended rows are read and the output is appended to; false: everything is read and the output replaced.</param>
/// <param name="Reason">Why, in words the run shows (a full rebuild always says what forced it).</param>
/// <param name="DrivingAfter">For an incremental build: the driving input's version the last build consumed; the run reads what the appends after it added.</param>
public sealed record BuildPlan(bool Incremental, string Reason, long? DrivingAfter = null)
{
    public static BuildPlan Full(string reason) => new(false, reason);
}

/// <summary>What a model's last successful build left behind, the starting point of the next incremental one.</summary>
/// <param name="OutputVersion">The snapshot of the model's dataset that build committed.</param>
/// <param name="Inputs">The input versions it consumed.</param>
public sealed record LastBuild(Guid RunId, long OutputVersion, string Fingerprint, IReadOnlyList<RunInput> Inputs);

/// <summary>One snapshot of an input between two builds: its version and what kind of commit made it.</summary>
public sealed record InputSnapshot(long Version, SnapshotOperation Operation);

/// <summary>
/// Decides whether an incremental model may read only what its driving input appended since the
/// last build, or must rebuild in full. The rule is the one that keeps an incremental output equal
/// to a full rebuild for a model whose SELECT distributes over appended rows (filters,
/// projections, joins to other inputs): the driving input only appended or compacted (compaction
/// rewrites the same rows, so its files are not read again), every other input is unchanged but
/// for compaction, the output is what the last build committed, and the model's definition is the
/// same. Anything else — a replace or merge upstream, an expired snapshot, an edited SQL or
/// contract — rebuilds in full and the run says which.
/// </summary>
public static class IncrementalBuild
{
    /// <summary>
    /// A hash of everything that decides the model's rows: the SELECT as the parser rendered it,
    /// the source, transform, contract and target. Name, description, schedule, trigger, retries
    /// and timeout do not change rows and are left out.
    /// </summary>
    public static string Fingerprint(PipelineSpec spec, string sql)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var rowShaping = spec with { Name = string.Empty, Description = null, Schedule = null, On = null, Retries = null, Timeout = null };
        var bytes = Encoding.UTF8.GetBytes(sql + "\n" + SpecWriter.ToJson(rowShaping, indented: false));
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    /// <param name="spec">The model's spec.</param>
    /// <param name="fingerprint">Its <see cref="Fingerprint"/> now.</param>
    /// <param name="driving">The input whose appends drive it (<see cref="ModelResolution.Driving"/>).</param>
    /// <param name="last">The last successful build, or null when there was none.</param>
    /// <param name="outputVersion">The model's dataset's current version (null: never loaded).</param>
    /// <param name="pinned">The input versions this run pinned.</param>
    /// <param name="between">
    /// Per input, the snapshots from the version the last build consumed to the pinned one, and for
    /// the model's own dataset from the version the last build committed to the current one, both
    /// ends included, as the catalog still holds them.
    /// </param>
    public static BuildPlan Plan(
        PipelineSpec spec, string fingerprint, string? driving, LastBuild? last, long? outputVersion,
        IReadOnlyList<RunInput> pinned, IReadOnlyDictionary<string, IReadOnlyList<InputSnapshot>> between)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(pinned);
        ArgumentNullException.ThrowIfNull(between);
        if (spec.Target.Mode is not WriteMode.Incremental || driving is null)
        {
            return BuildPlan.Full($"target.mode is {spec.Target.Mode.ToString().ToLowerInvariant()}");
        }

        if (last is null)
        {
            return BuildPlan.Full("first build: no earlier successful run to continue from");
        }

        if (!string.Equals(last.Fingerprint, fingerprint, StringComparison.Ordinal))
        {
            return BuildPlan.Full("the model's SQL, transform, contract or target changed since the last build");
        }

        // The output may have been compacted since (the same rows); any other commit to it — a
        // replay, a rollback — means it no longer is what the builds so far made.
        if (outputVersion is not { } output || output < last.OutputVersion)
        {
            return BuildPlan.Full($"{spec.Target.Dataset} is not at or after v{last.OutputVersion}, the version the last build committed");
        }

        if (Unchanged(spec.Target.Dataset, last.OutputVersion, output, between, driving: false) is { } outputChanged)
        {
            return BuildPlan.Full(outputChanged);
        }

        var consumed = last.Inputs.ToDictionary(i => i.Dataset, i => i.Version, StringComparer.Ordinal);
        long? drivingAfter = null;
        foreach (var input in pinned.OrderBy(i => i.Dataset != driving).ThenBy(i => i.Dataset, StringComparer.Ordinal))
        {
            if (!consumed.TryGetValue(input.Dataset, out var from))
            {
                return BuildPlan.Full($"{input.Dataset} was not an input of the last build");
            }

            if (input.Version < from)
            {
                return BuildPlan.Full($"{input.Dataset} is at v{input.Version}, older than the v{from} the last build read");
            }

            if (Unchanged(input.Dataset, from, input.Version, between, input.Dataset == driving) is { } inputChanged)
            {
                return BuildPlan.Full(inputChanged);
            }

            if (input.Dataset == driving)
            {
                drivingAfter = from;
            }
        }

        return drivingAfter is { } after
            ? new BuildPlan(true, $"reads what {driving} appended after v{after}", after)
            : BuildPlan.Full($"{driving} is not among the pinned inputs");
    }

    /// <summary>
    /// Why <paramref name="dataset"/>'s snapshots after <paramref name="from"/> up to
    /// <paramref name="to"/> break an incremental build, or null when they do not: each must still
    /// be held (else what changed is unknown) and be a compaction — or, for the driving input, an append.
    /// </summary>
    private static string? Unchanged(string dataset, long from, long to, IReadOnlyDictionary<string, IReadOnlyList<InputSnapshot>> between, bool driving)
    {
        var held = (between.GetValueOrDefault(dataset) ?? []).Select(s => s.Version).ToHashSet();
        for (var version = from; version <= to; version++)
        {
            if (!held.Contains(version))
            {
                return $"{dataset} v{version} is no longer retained, so what changed since v{from} is unknown";
            }
        }

        var allowed = driving ? "appended to or compacted" : "compacted";
        return between[dataset].FirstOrDefault(s => s.Version > from && s.Version <= to && !(s.Operation is SnapshotOperation.Compact || (driving && s.Operation is SnapshotOperation.Append))) is { } changed
            ? $"{dataset} v{changed.Version} was {Described(changed.Operation)}; an incremental build needs it only {allowed} since v{from}"
            : null;
    }

    private static string Described(SnapshotOperation operation) => operation switch
    {
        SnapshotOperation.Append => "an append",
        SnapshotOperation.Compact => "a compaction",
        _ => "a " + operation.ToString().ToLowerInvariant(),
    };
}
