using System.Globalization;
using Ductus.Core.Lake;
using Ductus.Core.Quoting;
using Ductus.Core.Specs;

namespace Ductus.Pipelines.Engine;

/// <summary>
/// An incremental pipeline's cursor, for every kind of source: the rows a run reads are those past
/// the last committed watermark, and the new watermark is the highest cursor among the rows it
/// loaded. The cursor column's type decides how the stored text compares, so 10 follows 9.
/// </summary>
internal sealed class IncrementalCursor(DuckDbSession db)
{
    /// <summary>Creates <c>source</c> over <paramref name="relation"/>, keeping only rows past the watermark.</summary>
    public async Task CreateSourceAsync(string relation, IncrementalSpec? incremental, string? watermark)
    {
        if (incremental is null || watermark is null)
        {
            await db.ExecAsync($"CREATE VIEW source AS SELECT * FROM {relation}");
            return;
        }

        await db.ExecAsync($"CREATE VIEW {SourceLanding.Landed} AS SELECT * FROM {relation}");
        var type = await CursorTypeAsync($"SELECT * FROM {SourceLanding.Landed}", incremental.Cursor, "the source");
        await db.ExecAsync($"CREATE VIEW source AS SELECT * FROM {SourceLanding.Landed} WHERE {Sql.Ident(incremental.Cursor)} > CAST({Sql.Literal(watermark)} AS {type})");
    }

    /// <summary>The highest cursor among the rows the run loaded (from the new files' footers), or null when none.</summary>
    public async Task<string?> NewWatermarkAsync(IncrementalSpec incremental, IReadOnlyList<DatasetColumn> columns, IReadOnlyList<LakeFile> files)
    {
        var column = columns.FirstOrDefault(c => c.Name == incremental.Cursor)
            ?? throw new IOException($"incremental.cursor: the transform does not keep column '{incremental.Cursor}', so the run cannot record how far it read.");
        CheckCursorType(column.Type, "the loaded rows");
        var maxima = files.Select(f => f.Stats.TryGetValue(column.Name, out var s) ? s.Max : null).OfType<string>().ToList();
        if (maxima.Count == 0)
        {
            return null;
        }

        var values = string.Join(", ", maxima.Select(m => $"({Sql.Literal(m)})"));
        await using var max = db.Command($"SELECT CAST(max(CAST(v AS {column.Type})) AS VARCHAR) FROM (VALUES {values}) AS t(v)");
        return await max.ExecuteScalarAsync(db.Token) as string;
    }

    private async Task<string> CursorTypeAsync(string query, string cursor, string where)
    {
        var columns = await db.DescribeAsync(query);
        var type = columns.FirstOrDefault(c => c.Name == cursor).Type
            ?? throw new IOException($"incremental.cursor: {where} has no column '{cursor}' (it has: {string.Join(", ", columns.Select(c => c.Name))}).");
        CheckCursorType(type, where);
        return type;
    }

    private static void CheckCursorType(string type, string where)
    {
        if (type is "FLOAT" or "DOUBLE" || !(SpecTypes.IsNumeric(type) || SpecTypes.IsTemporal(type) || type.StartsWith("TIMESTAMP", StringComparison.Ordinal)))
        {
            throw new IOException(string.Create(CultureInfo.InvariantCulture, $"incremental.cursor: in {where} the cursor is {type}; it must be a timestamp, a date or an integer (cast it in source.columns or the transform)."));
        }
    }
}
