using System.Diagnostics;
using Aspire.Hosting.ApplicationModel;

namespace Ductus.AppHost.Infrastructure;

/// <summary>Creates the local PostgreSQL cluster the first time the AppHost runs.</summary>
internal static class LocalPostgresCluster
{
    public static void EnsureInitialized(LocalBinaries binaries, string pgData, bool asRoot, ParameterResource password)
    {
        if (File.Exists(Path.Combine(pgData, "PG_VERSION")))
        {
            return;
        }

        Directory.CreateDirectory(pgData);
        SetMode(pgData, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        // The password reaches initdb through a file only the server's user can read, never argv.
        var secretDir = Directory.CreateTempSubdirectory("ductus-initdb-");
        var pwFile = Path.Combine(secretDir.FullName, "pw");
        try
        {
            var value = password.GetValueAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult()
                ?? throw new InvalidOperationException($"The parameter '{password.Name}' has no value.");
            File.WriteAllText(pwFile, value);
            SetMode(pwFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);

            string[] initdb =
            [
                binaries.Initdb, "-D", pgData, "-U", "postgres", "--pwfile", pwFile,
                "--auth", "scram-sha-256", "--encoding", "UTF8", "--no-locale", "--no-instructions",
            ];

            if (asRoot)
            {
                Run("chown", ["-R", "postgres:postgres", pgData, secretDir.FullName]);
                SetMode(secretDir.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                Run("setpriv", ["--reuid=postgres", "--regid=postgres", "--init-groups", .. initdb]);
            }
            else
            {
                Run(initdb[0], initdb[1..]);
            }
        }
        catch
        {
            // A half-made cluster would be taken as initialised on the next start.
            TryDelete(pgData);
            throw;
        }
        finally
        {
            TryDelete(secretDir.FullName);
        }
    }

    private static void SetMode(string path, UnixFileMode mode)
    {
        // Windows has no such modes; its ACLs already keep a user's temp folder private.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }
    }

    private static void Run(string command, string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(command, args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException($"Could not start {command}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"'{command} {string.Join(' ', args)}' failed with exit code {process.ExitCode}: {stderr.Trim()} {stdout.Result.Trim()}");
        }
    }

    private static void TryDelete(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
