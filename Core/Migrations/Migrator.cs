using Npgsql;

namespace Ductus.Core.Migrations;

/// <summary>
/// Applies or reverts migrations. Each step runs in its own transaction together with the
/// row that records it, and the whole run holds an advisory lock, so two migrators started
/// at once (two AppHosts, a test and a service) apply each step exactly once.
/// </summary>
public sealed class SchemaMigrator(NpgsqlDataSource dataSource, IReadOnlyList<Migration>? migrations = null)
{
    // Arbitrary but fixed: the advisory lock id that serialises migrators.
    private const long LockId = 0x44_75_63_74_75_73;

    private readonly IReadOnlyList<Migration> _migrations = migrations ?? MigrationCatalog.All;

    public int LatestVersion => _migrations.Count == 0 ? 0 : _migrations[^1].Version;

    /// <summary>Applies every pending migration up to <paramref name="target"/> (default: all).</summary>
    public Task<IReadOnlyList<Migration>> UpAsync(int? target = null, CancellationToken ct = default) => StepAsync(
        applied => _migrations.Where(m => m.Version <= (target ?? int.MaxValue) && !applied.Contains(m.Version)),
        m => m.Up,
        "INSERT INTO ductus_schema_history (version, name) VALUES ($1, $2)",
        m => [m.Version, m.Name],
        ct);

    /// <summary>Reverts applied migrations newer than <paramref name="target"/> (0 reverts all), newest first.</summary>
    public Task<IReadOnlyList<Migration>> DownAsync(int target = 0, CancellationToken ct = default) => StepAsync(
        applied => _migrations.Reverse().Where(m => m.Version > target && applied.Contains(m.Version)),
        m => m.Down,
        "DELETE FROM ductus_schema_history WHERE version = $1",
        m => [m.Version],
        ct);

    /// <summary>The highest applied version, or 0 when the schema is empty.</summary>
    public async Task<int> CurrentVersionAsync(CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await EnsureHistoryTableAsync(connection, ct);
        var applied = await AppliedVersionsAsync(connection, ct);
        return applied.Count == 0 ? 0 : applied.Max();
    }

    /// <summary>
    /// Returns once every migration this build knows is applied: a deployment's services wait
    /// for the run-once migration step with it (their init step), whichever tool ran that step.
    /// It only reads, so a waiter needs no right to change the schema, and a database that does
    /// not answer or does not exist yet counts as "not yet".
    /// </summary>
    /// <returns>The highest applied version.</returns>
    public async Task<int> WaitForLatestAsync(TimeSpan poll, Action<int>? notYet = null, CancellationToken ct = default)
    {
        while (true)
        {
            var applied = await AppliedVersionsIfAnyAsync(ct);
            if (applied is not null && _migrations.All(m => applied.Contains(m.Version)))
            {
                return applied.Count == 0 ? 0 : applied.Max();
            }

            notYet?.Invoke(applied is null || applied.Count == 0 ? 0 : applied.Max());
            await Task.Delay(poll, ct);
        }
    }

    /// <summary>
    /// Runs <paramref name="sql"/> of each migration <paramref name="pending"/> picks from the
    /// applied versions, each in one transaction with the history row <paramref name="record"/> writes.
    /// </summary>
    private async Task<IReadOnlyList<Migration>> StepAsync(
        Func<HashSet<int>, IEnumerable<Migration>> pending,
        Func<Migration, string> sql,
        string record,
        Func<Migration, object[]> recordValues,
        CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await LockAsync(connection, ct);
        try
        {
            await EnsureHistoryTableAsync(connection, ct);
            var done = new List<Migration>();
            foreach (var migration in pending(await AppliedVersionsAsync(connection, ct)))
            {
                await using var tx = await connection.BeginTransactionAsync(ct);
                await ExecuteAsync(connection, sql(migration), ct);
                await using (var history = new NpgsqlCommand(record, connection))
                {
                    foreach (var value in recordValues(migration))
                    {
                        history.Parameters.AddWithValue(value);
                    }

                    await history.ExecuteNonQueryAsync(ct);
                }

                await tx.CommitAsync(ct);
                done.Add(migration);
            }

            return done;
        }
        finally
        {
            await UnlockAsync(connection);
        }
    }

    private async Task<HashSet<int>?> AppliedVersionsIfAnyAsync(CancellationToken ct)
    {
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            await using var exists = new NpgsqlCommand("SELECT to_regclass('ductus_schema_history') IS NOT NULL", connection);
            return await exists.ExecuteScalarAsync(ct) is true ? await AppliedVersionsAsync(connection, ct) : [];
        }
        catch (NpgsqlException)
        {
            // A failure that races the caller's cancellation is reported as the cancellation:
            // the caller asked to stop, not to learn why the last poll failed.
            ct.ThrowIfCancellationRequested();
            return null;
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static Task EnsureHistoryTableAsync(NpgsqlConnection connection, CancellationToken ct) => ExecuteAsync(connection, """
        CREATE TABLE IF NOT EXISTS ductus_schema_history (
            version    integer     PRIMARY KEY,
            name       text        NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
        );
        """, ct);

    private static async Task<HashSet<int>> AppliedVersionsAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT version FROM ductus_schema_history", connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var versions = new HashSet<int>();
        while (await reader.ReadAsync(ct))
        {
            versions.Add(reader.GetInt32(0));
        }

        return versions;
    }

    private static Task LockAsync(NpgsqlConnection connection, CancellationToken ct) =>
        ExecuteAsync(connection, $"SELECT pg_advisory_lock({LockId})", ct);

    private static async Task UnlockAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand($"SELECT pg_advisory_unlock({LockId})", connection);
        await command.ExecuteNonQueryAsync(CancellationToken.None);
    }
}
