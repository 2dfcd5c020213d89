using DuckDB.NET.Data;

namespace Ductus.Pipelines.Engine;

/// <summary>
/// Collects a run's contract rejects while DuckDB streams the passing rows to Parquet: a scalar
/// function registered on the run's connection, called with one reject (as JSON) per failing
/// row, that appends it to an NDJSON file and answers false so the row is not written. DuckDB
/// calls it from several worker threads, hence the lock; rejects go to disk, not to memory, so a
/// run where every row fails still holds nothing.
/// </summary>
internal sealed class RejectSink(string path) : IDisposable
{
    private readonly StreamWriter writer = new(path, append: false, new System.Text.UTF8Encoding(false), 1 << 16);
    private readonly Lock gate = new();
    private long count;

    public long Count => Interlocked.Read(ref count);

    public void Register(DuckDBConnection connection, string name)
    {
        // The function has a side effect: not pure, so DuckDB never folds, reorders or repeats it.
#pragma warning disable DuckDBNET001 // DuckDB.NET marks scalar functions experimental; the API is pinned by the package version.
        connection.RegisterScalarFunction<string, bool>(name, (readers, result, rows) =>
        {
            lock (gate)
            {
                for (ulong row = 0; row < rows; row++)
                {
                    writer.WriteLine(readers[0].GetValue<string>(row));
                    result.WriteValue(false, row);
                }

                count += (long)rows;
            }
        }, new ScalarFunctionOptions { IsPureFunction = false });
#pragma warning restore DuckDBNET001
    }

    public void Dispose() => writer.Dispose();
}
