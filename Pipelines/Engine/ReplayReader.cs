using Ductus.Core.Quoting;
using Ductus.Core.Specs;

namespace Ductus.Pipelines.Engine;

/// <summary>
/// How a replay reads the rejects it runs again (NDJSON, values as they were after the transform).
/// Contract-typed columns are read as text, so a value that is still wrong becomes a reject again
/// (the contract casts it) instead of failing the whole read.
/// </summary>
internal static class ReplayReader
{
    public static async Task<string> ForAsync(DuckDbSession db, ContractSpec? contract, string path)
    {
        var file = Sql.List([Path.GetFullPath(path)]);
        var detected = await db.DescribeAsync($"SELECT * FROM read_json({file}, format = 'newline_delimited')");
        var typed = contract?.Columns.Where(c => c.Type is not null).Select(c => c.Name).ToHashSet(StringComparer.Ordinal) ?? [];
        var all = detected.Select(d => (d.Name, Type: typed.Contains(d.Name) ? "VARCHAR" : d.Type)).ToList();
        foreach (var column in contract?.Columns ?? [])
        {
            if (!all.Any(a => a.Name == column.Name))
            {
                all.Add((column.Name, "VARCHAR"));
            }
        }

        var columnsArg = "{" + string.Join(", ", all.Select(c => $"{Sql.Literal(c.Name)}: {Sql.Literal(c.Type)}")) + "}";
        return $"read_json({file}, format = 'newline_delimited', columns = {columnsArg})";
    }
}
