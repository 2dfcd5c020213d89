using System.Diagnostics;
using DuckDB.NET.Data;
using Ductus.Core.Telemetry;

namespace Ductus.Analytics;

/// <summary>
/// The DuckDB side of the analytics worker. Each call opens its own in-memory instance: the
/// worker keeps no DuckDB file, so any number of replicas can serve the same lake.
/// </summary>
public sealed class DuckDbEngine
{
    public async Task<string> VersionAsync(CancellationToken ct)
    {
        using var activity = DuctusTelemetry.ActivitySource.StartActivity("duckdb.version", ActivityKind.Internal);
        await using var connection = new DuckDBConnection("Data Source=:memory:");
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT version()";
        var version = (string?)await command.ExecuteScalarAsync(ct) ?? "unknown";
        activity?.SetTag("db.system", "duckdb");
        activity?.SetTag("duckdb.version", version);
        return version;
    }
}
