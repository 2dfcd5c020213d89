using DuckDB.NET.Data;
using Ductus.Pipelines.Sources;
using Ductus.Tests.Infrastructure;
using Npgsql;

namespace Ductus.Tests.Integration;

[Collection(StackDefinition.Name)]
public sealed class PostgresSourceTests(StackFixture stack)
{
    [Fact]
    public async Task A_query_streams_into_duckdb_with_its_types_and_nulls()
    {
        await using var db = await ScratchDatabase.CreateAsync(stack.DatabaseConnectionString);
        await using (var setup = db.DataSource.CreateCommand("""
            CREATE TABLE orders (
                id bigint PRIMARY KEY, customer text, amount numeric(12,2), ratio double precision,
                paid boolean, placed_on date, updated_at timestamptz, ref uuid, tags jsonb, note varchar(20), ip inet);
            INSERT INTO orders
            SELECT i, 'customer ' || (i % 7), i * 1.25, i / 3.0, i % 2 = 0, date '2026-01-01' + i,
                   timestamptz '2026-01-01 00:00:00+00' + i * interval '1 hour',
                   ('00000000-0000-0000-0000-' || lpad(i::text, 12, '0'))::uuid,
                   jsonb_build_object('n', i), CASE WHEN i % 10 = 0 THEN NULL ELSE 'note' END, '10.0.0.1'::inet
            FROM generate_series(1, 5000) AS i;
            """))
        {
            await setup.ExecuteNonQueryAsync();
        }

        await using var duck = new DuckDBConnection("Data Source=:memory:");
        await duck.OpenAsync();
        var rows = await PostgresExtractor.ExtractAsync(db.DataSource, "SELECT * FROM orders WHERE id <= 4000;", duck, "source", CancellationToken.None);

        Assert.Equal(4000, rows);
        await using var check = duck.CreateCommand();
        check.CommandText = """
            SELECT count(*), sum(amount), count(note), min(placed_on)::VARCHAR, max(updated_at) AT TIME ZONE 'UTC',
                   any_value(typeof(amount)), any_value(typeof(updated_at)), any_value(typeof(ref)), any_value(typeof(ip)),
                   max(tags->>'n')::INT, max(ref)::VARCHAR, bool_and(paid = (id % 2 = 0))
            FROM source
            """;
        await using var reader = await check.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(4000L, reader.GetInt64(0));
        Assert.Equal(10_002_500m, reader.GetDecimal(1)); // 1.25 * (1 + ... + 4000)
        Assert.Equal(3600L, reader.GetInt64(2));
        Assert.Equal("2026-01-02", reader.GetString(3));
        Assert.Equal(new DateTime(2026, 1, 1).AddHours(4000), reader.GetDateTime(4));
        Assert.Equal("DECIMAL(12,2)", reader.GetString(5));
        Assert.Equal("TIMESTAMP WITH TIME ZONE", reader.GetString(6));
        Assert.Equal("UUID", reader.GetString(7));
        Assert.Equal("VARCHAR", reader.GetString(8));
        Assert.Equal(999, reader.GetInt32(9)); // text max of "1".."4000" is "999"
        Assert.Equal("00000000-0000-0000-0000-000000004000", reader.GetString(10));
        Assert.True(reader.GetBoolean(11));
    }

    [Fact]
    public async Task A_source_query_cannot_write_to_the_source_database()
    {
        await using var db = await ScratchDatabase.CreateAsync(stack.DatabaseConnectionString);
        await using (var setup = db.DataSource.CreateCommand("CREATE TABLE t (id int); INSERT INTO t VALUES (1); CREATE SEQUENCE s;"))
        {
            await setup.ExecuteNonQueryAsync();
        }

        await using var duck = new DuckDBConnection("Data Source=:memory:");
        await duck.OpenAsync();
        // The source runs in a READ ONLY transaction: even a side effect hidden in a SELECT fails.
        var error = await Assert.ThrowsAsync<PostgresException>(() =>
            PostgresExtractor.ExtractAsync(db.DataSource, "SELECT nextval('s') AS n, id FROM t", duck, "source", CancellationToken.None));
        Assert.Equal(PostgresErrorCodes.ReadOnlySqlTransaction, error.SqlState);
        await Assert.ThrowsAsync<PostgresException>(() =>
            PostgresExtractor.ExtractAsync(db.DataSource, "WITH d AS (DELETE FROM t RETURNING id) SELECT * FROM d", duck, "source", CancellationToken.None));

        await using var count = db.DataSource.CreateCommand("SELECT count(*) FROM t");
        Assert.Equal(1L, await count.ExecuteScalarAsync());
    }
}
