using DuckDB.NET.Data;
using Ductus.Core.DuckDb;
using Ductus.Core.Quoting;

namespace Ductus.Tests.Unit.DuckDb;

public sealed class DuckDbLockdownTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "ductus-lockdown-" + Guid.NewGuid().ToString("N"));
    private readonly string _allowed;
    private readonly string _neighbour;
    private readonly string _scratch;

    public DuckDbLockdownTests()
    {
        _scratch = Path.Combine(_folder, "scratch");
        Directory.CreateDirectory(_scratch);
        // Its name starts like the scratch folder's: an allowed folder must not open it.
        Directory.CreateDirectory(_scratch + "-rival");
        _allowed = Path.Combine(_folder, "allowed.csv");
        _neighbour = Path.Combine(_folder, "neighbour.csv");
        File.WriteAllText(_allowed, "n\n1\n2\n");
        File.WriteAllText(_neighbour, "n\n3\n");
        File.WriteAllText(Path.Combine(_scratch + "-rival", "secret.csv"), "n\n4\n");
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A_locked_connection_reads_the_files_it_allows_and_nothing_else()
    {
        await using var db = await LockedAsync(DuckDbLockdown.Allowing([_scratch], [_allowed]));

        Assert.Equal(2L, Scalar(db, $"SELECT count(*) FROM read_csv({Sql.Literal(_allowed)})"));
        foreach (var escape in new[]
        {
            "SELECT count(*) FROM read_text('/etc/passwd')",
            $"SELECT count(*) FROM read_csv({Sql.Literal(_neighbour)})",
            $"SELECT count(*) FROM read_csv({Sql.Literal(Path.Combine(_scratch + "-rival", "secret.csv"))})",
            $"SELECT count(*) FROM glob({Sql.Literal(Path.Combine(_folder, "*"))})",
        })
        {
            var refused = Assert.ThrowsAny<DuckDBException>(() => Scalar(db, escape));
            Assert.Contains("Permission Error", refused.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_allowed_folder_can_be_written_and_read_back()
    {
        await using var db = await LockedAsync(DuckDbLockdown.Allowing([_scratch], []));
        var file = Path.Combine(_scratch, "out.parquet");

        Scalar(db, $"COPY (SELECT CAST(42 AS BIGINT) AS n) TO {Sql.Literal(file)} (FORMAT parquet)");

        Assert.Equal(42L, Scalar(db, $"SELECT n FROM read_parquet({Sql.Literal(file)})"));
    }

    [Fact]
    public async Task A_locked_connection_cannot_be_unlocked()
    {
        await using var db = await LockedAsync(DuckDbLockdown.Allowing([_scratch], [_allowed]));

        foreach (var unlock in new[]
        {
            "SET enable_external_access = true",
            $"SET allowed_paths = [{Sql.Literal(_neighbour)}]",
            "SET autoload_known_extensions = true",
            "RESET lock_configuration",
        })
        {
            var refused = Assert.ThrowsAny<DuckDBException>(() => Scalar(db, unlock));
            Assert.Contains("configuration has been locked", refused.Message, StringComparison.Ordinal);
        }

        var stillRefused = Assert.ThrowsAny<DuckDBException>(() => Scalar(db, "SELECT count(*) FROM read_text('/etc/passwd')"));
        Assert.Contains("Permission Error", stillRefused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_parse_only_lockdown_reaches_no_file()
    {
        using var db = new DuckDBConnection("Data Source=:memory:");
        db.Open();
        DuckDbLockdown.Nothing.Apply(db);

        foreach (var escape in new[] { "SELECT count(*) FROM read_text('/etc/passwd')", $"SELECT count(*) FROM read_csv({Sql.Literal(_allowed)})" })
        {
            var refused = Assert.ThrowsAny<DuckDBException>(() => Scalar(db, escape));
            Assert.Contains("Permission Error", refused.Message, StringComparison.Ordinal);
        }

        // What it is for still works: parsing.
        Assert.StartsWith("{\"error\":false", (string?)Scalar(db, "SELECT json_serialize_sql('SELECT 1')"), StringComparison.Ordinal);
    }

    private static async Task<DuckDBConnection> LockedAsync(DuckDbLockdown lockdown)
    {
        var db = new DuckDBConnection("Data Source=:memory:");
        await db.OpenAsync();
        await lockdown.ApplyAsync(db, CancellationToken.None);
        return db;
    }

    private static object? Scalar(DuckDBConnection db, string sql)
    {
        using var command = db.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
