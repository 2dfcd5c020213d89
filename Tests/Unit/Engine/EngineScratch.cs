using DuckDB.NET.Data;
using Ductus.Core.Specs;
using Ductus.Pipelines.Engine;

namespace Ductus.Tests.Unit.Engine;

/// <summary>A source root and a lake in a fresh temp folder per test, deleted afterwards.</summary>
public sealed class EngineScratch : IDisposable
{
    public static readonly DateTimeOffset Now = new(2026, 11, 28, 1, 2, 3, TimeSpan.Zero);

    public EngineScratch()
    {
        Folder = Path.Combine(Path.GetTempPath(), "ductus-test-" + Guid.NewGuid().ToString("N"));
        Root = Path.Combine(Folder, "data");
        Lake = Path.Combine(Folder, "lake");
        Directory.CreateDirectory(Root);
        Directory.CreateDirectory(Lake);
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "TestData", "engine")))
        {
            File.Copy(file, Path.Combine(Root, Path.GetFileName(file)));
        }

        Roots = new SourceRoots(Root);
    }

    public string Folder { get; }

    public string Root { get; }

    public string Lake { get; }

    public SourceRoots Roots { get; }

    public HttpClient Http { get; } = new();

    public RunEngine Engine => new(Roots, Http, new FixedTime(Now)) { Threads = 1, MemoryLimit = "256MB" };

    public RunContext Context(Guid? runId = null, string? replay = null) => new(runId ?? Guid.NewGuid(), "ws1", Lake, replay);

    public static PipelineSpec Parse(string yaml)
    {
        var parsed = SpecParser.ParseYaml(yaml);
        Assert.Empty(parsed.Errors);
        return parsed.Spec!;
    }

    public static async Task<List<T>> QueryAsync<T>(string sql, Func<DuckDBDataReader, T> read)
    {
        await using var db = new DuckDBConnection("Data Source=:memory:");
        await db.OpenAsync();
        await using var command = db.CreateCommand();
        command.CommandText = sql;
        await using var reader = (DuckDBDataReader)await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync())
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    public static async Task ExecAsync(string sql)
    {
        await using var db = new DuckDBConnection("Data Source=:memory:");
        await db.OpenAsync();
        await using var command = db.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    public void Dispose()
    {
        Http.Dispose();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // Leftovers in the temp folder must not fail a test that passed.
        }
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
