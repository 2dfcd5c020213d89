using System.Diagnostics;
using Ductus.Core.Catalog;
using Npgsql;

namespace Ductus.Cli.Backup;

/// <summary>
/// Runs <c>pg_dump</c> / <c>pg_restore</c> against a catalog named by an Npgsql connection string.
/// The connection goes in libpq's environment variables, so the password never shows in the
/// process list; the program is found where the AppHost finds <c>postgres</c>
/// (<see cref="PostgresPrograms"/>), or in <c>DUCTUS_PG_BIN</c>.
/// </summary>
internal static class PgTool
{
    public static async Task RunAsync(string program, IReadOnlyList<string> arguments, string connectionString, Func<string, string?> environment, CancellationToken ct)
    {
        var executable = Locate(program, environment);
        var start = new ProcessStartInfo(executable, arguments)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in LibpqEnvironment(connectionString))
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new CommandFailedException($"{executable} did not start.");
        var stderr = process.StandardError.ReadToEndAsync(ct);
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        try
        {
            await process.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        if (process.ExitCode != 0)
        {
            var message = (await stderr).Trim();
            throw new CommandFailedException($"{program} failed (exit {process.ExitCode}): {(message.Length > 0 ? message : (await stdout).Trim())}");
        }
    }

    internal static string Locate(string program, Func<string, string?> environment)
    {
        string[] own = environment("DUCTUS_PG_BIN") is { Length: > 0 } dir ? [dir] : [];
        return PostgresPrograms.Find([.. own, .. PostgresPrograms.SearchFolders(environment("PATH"))], program)
            ?? throw new StackNotFoundException($"{program} is not installed: install the PostgreSQL client (Debian: apt-get install postgresql-client) or set DUCTUS_PG_BIN to its folder.");
    }

    /// <summary>The connection string as libpq's <c>PG*</c> variables.</summary>
    internal static Dictionary<string, string> LibpqEnvironment(string connectionString)
    {
        var cs = new NpgsqlConnectionStringBuilder(connectionString);
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PGAPPNAME"] = "ductus-cli",
            ["PGCONNECT_TIMEOUT"] = "15",
        };
        Set(env, "PGHOST", cs.Host);
        Set(env, "PGPORT", cs.Port == NpgsqlConnection.DefaultPort && cs.Host is null ? null : cs.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Set(env, "PGUSER", cs.Username);
        Set(env, "PGPASSWORD", cs.Password);
        Set(env, "PGDATABASE", cs.Database);
        Set(env, "PGSSLMODE", cs.SslMode switch
        {
            SslMode.Disable => "disable",
            SslMode.Allow => "allow",
            SslMode.Require => "require",
            SslMode.VerifyCA => "verify-ca",
            SslMode.VerifyFull => "verify-full",
            _ => null,
        });
        return env;
    }

    private static void Set(Dictionary<string, string> env, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            env[name] = value;
        }
    }
}
