using System.Reflection;
using System.Text.RegularExpressions;

namespace Ductus.Core.Migrations;

/// <summary>
/// Every migration the schema knows, in order. Plain SQL files are embedded as
/// <c>NNNN_name.up.sql</c> / <c>NNNN_name.down.sql</c>; Quartz's job-store tables come from
/// the script Quartz itself embeds, so the schema always matches the Quartz version we run.
/// </summary>
public static partial class MigrationCatalog
{
    /// <summary>Quartz tables live in their own schema so the down migration is one DROP SCHEMA.</summary>
    public const string QuartzTablePrefix = "quartz.qrtz_";

    private const string QuartzVersionName = "quartz_job_store";
    private const int QuartzVersion = 2;

    public static IReadOnlyList<Migration> All { get; } = Load();

    private static List<Migration> Load()
    {
        var assembly = typeof(MigrationCatalog).Assembly;
        var files = assembly.GetManifestResourceNames()
            .Select(n => FileName().Match(n))
            .Where(m => m.Success)
            .GroupBy(m => (Version: int.Parse(m.Groups["v"].Value, System.Globalization.CultureInfo.InvariantCulture), Name: m.Groups["name"].Value));

        var migrations = new List<Migration>();
        foreach (var group in files)
        {
            var up = group.SingleOrDefault(m => m.Groups["dir"].Value == "up")
                ?? throw new InvalidOperationException($"Migration {group.Key.Version} '{group.Key.Name}' has no up script.");
            var down = group.SingleOrDefault(m => m.Groups["dir"].Value == "down")
                ?? throw new InvalidOperationException($"Migration {group.Key.Version} '{group.Key.Name}' has no down script: every migration must be reversible.");
            migrations.Add(new Migration(group.Key.Version, group.Key.Name, Read(assembly, up.Value), Read(assembly, down.Value)));
        }

        migrations.Add(new Migration(QuartzVersion, QuartzVersionName, QuartzUp(), "DROP SCHEMA IF EXISTS quartz CASCADE;"));
        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));

        var duplicate = migrations.GroupBy(m => m.Version).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"Two migrations share version {duplicate.Key}: {string.Join(", ", duplicate.Select(m => m.Name))}.");
        }

        return migrations;
    }

    private static string QuartzUp()
    {
        const string resource = "Quartz.Impl.AdoJobStore.Schema.create_postgres.sql";
        using var stream = typeof(Quartz.IJob).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"Quartz no longer embeds '{resource}'; the job-store migration must be rewritten for this Quartz version.");
        using var reader = new StreamReader(stream);
        var script = reader.ReadToEnd()
            .Replace("{0}", QuartzTablePrefix, StringComparison.Ordinal)
            .Replace("{1}", "qrtz_", StringComparison.Ordinal);
        // Quartz separates statements with '--;;' lines; PostgreSQL takes them as one batch.
        return "CREATE SCHEMA IF NOT EXISTS quartz;\n" + script.Replace("--;;", string.Empty, StringComparison.Ordinal);
    }

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    [GeneratedRegex(@"^Ductus\.Migrations\.(?<v>\d{4})_(?<name>[a-z0-9_]+)\.(?<dir>up|down)\.sql$")]
    private static partial Regex FileName();
}
