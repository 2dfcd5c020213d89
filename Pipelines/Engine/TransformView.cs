using System.Text.Json;
using DuckDB.NET.Data;
using Ductus.Core.DataContracts;
using Ductus.Core.Specs;

namespace Ductus.Pipelines.Engine;

/// <summary>
/// The transform step: the view <c>transformed</c> over <c>source</c> (the spec's one SELECT, or
/// every column as it is for a replay), checked against the contract before any row is read.
/// </summary>
internal static class TransformView
{
    /// <returns>The columns the transform produces, each with its contract; empty when the step failed (<see cref="RunOutput.Failed"/>).</returns>
    public static async Task<IReadOnlyList<RelationColumn>> CreateAsync(RunScope run)
    {
        var (spec, db, output) = (run.Spec, run.Db, run.Output);
        var transform = !run.IsReplay && spec.Transform is { } sql ? sql.Trim().TrimEnd(';').Trim() : "SELECT * FROM source";
        if (await SingleSelectProblemAsync(db, transform) is { } problem)
        {
            output.Fail(RunSteps.Transform, problem);
            return [];
        }

        await db.ExecAsync($"CREATE VIEW transformed AS\n{transform}");
        var described = await db.DescribeAsync("SELECT * FROM transformed");
        var contract = spec.Contract;
        if (described.Select(d => d.Name).FirstOrDefault(n => n.StartsWith("_ductus_", StringComparison.OrdinalIgnoreCase)) is { } reserved)
        {
            output.Fail(RunSteps.Transform, $"column {reserved}: names starting with _ductus_ are reserved for the lake's own columns");
            return [];
        }

        var missing = (contract?.Columns.Select(c => c.Name) ?? [])
            .Concat(contract?.UniqueKey ?? [])
            .Where(name => !described.Any(d => d.Name == name))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (missing.Count > 0)
        {
            output.Fail(RunSteps.Transform, $"the contract names columns the transform does not produce: {string.Join(", ", missing)} (it produces: {string.Join(", ", described.Select(d => d.Name))})");
            return [];
        }

        return [.. described.Select(d =>
        {
            var c = contract?.Columns.FirstOrDefault(x => x.Name == d.Name);
            return new RelationColumn(d.Name, d.Type, SpecTypes.ToDuckDb(c?.Type), c);
        })];
    }

    /// <summary>
    /// Why the transform is not exactly one SELECT, using DuckDB's own parser; null when it is.
    /// A second statement would otherwise run as part of CREATE VIEW.
    /// </summary>
    private static async Task<string?> SingleSelectProblemAsync(DuckDbSession db, string transform)
    {
        await using var command = db.Command("SELECT CAST(json_serialize_sql(CAST($1 AS VARCHAR)) AS VARCHAR)");
        command.Parameters.Add(new DuckDBParameter(transform));
        var json = (string?)await command.ExecuteScalarAsync(db.Token) ?? "{}";
        using var parsed = JsonDocument.Parse(json);
        var root = parsed.RootElement;
        if (root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.True)
        {
            var message = root.TryGetProperty("error_message", out var m) ? m.GetString() : null;
            return $"transform must be a single SELECT statement: {message}";
        }

        return root.TryGetProperty("statements", out var statements) && statements.GetArrayLength() == 1
            ? null
            : "transform must be a single SELECT statement";
    }
}
