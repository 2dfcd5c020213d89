using System.Diagnostics.CodeAnalysis;
using Npgsql;

namespace Ductus.Core.Catalog;

/// <summary>
/// The database role services act as (created by migration 0003). It cannot bypass row-level
/// security, so the workspace policies hold even if a query forgets its workspace filter.
/// </summary>
public static class CatalogRole
{
    public const string Name = "ductus_app";

    /// <summary>
    /// Makes every connection of <paramref name="connectionString"/> switch to
    /// <see cref="Name"/> as it opens (<c>-c role=ductus_app</c>). The login must be a
    /// superuser or a member of the role: the usual case is the stack's <c>postgres</c> login,
    /// which would otherwise bypass RLS. Null stays null: a service's configuration may lack the
    /// connection string, and the data source it is handed to reports that itself.
    /// </summary>
    [return: NotNullIfNotNull(nameof(connectionString))]
    public static string? Adopt(string? connectionString)
    {
        if (connectionString is null)
        {
            return null;
        }

        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        builder.Options = string.IsNullOrWhiteSpace(builder.Options) ? $"-c role={Name}" : $"{builder.Options} -c role={Name}";
        return builder.ConnectionString;
    }

    /// <summary>
    /// Has Npgsql prepare a statement on a connection the second time it runs there: the services
    /// send the same few dozen statements all day (a push's door check and batch row, a drain's
    /// reads and commit), and PostgreSQL spent about 2% of the machine under the ingest benchmark
    /// parsing and planning them again each time, policies included.
    /// </summary>
    public static void PrepareRepeatedStatements(NpgsqlConnectionStringBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.MaxAutoPrepare = 64;
        builder.AutoPrepareMinUsages = 2;
    }

    /// <summary>
    /// Creates <see cref="Name"/> when the cluster lacks it. Roles belong to the cluster, not the
    /// database, so a restored catalog's grants name a role that a new cluster has not met yet;
    /// migration 0003 creates it the same way for a migrated one.
    /// </summary>
    public static async Task EnsureExistsAsync(NpgsqlConnection connection, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = new NpgsqlCommand($"""
            DO $$
            BEGIN
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{Name}') THEN
                    CREATE ROLE {Name} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
                END IF;
            EXCEPTION WHEN duplicate_object THEN
                NULL;
            END
            $$
            """, connection);
        await command.ExecuteNonQueryAsync(ct);
    }
}
