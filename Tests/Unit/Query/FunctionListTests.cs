using System.Runtime.CompilerServices;
using DuckDB.NET.Data;
using Ductus.Core.Query;

namespace Ductus.Tests.Unit.Query;

/// <summary>
/// The guard's function allow-list (<c>Core/Query/duckdb-functions.tsv</c>) against the DuckDB this
/// build runs: a DuckDB upgrade that adds a function, or gives a name a new kind (a table macro next
/// to a scalar), fails here until someone classifies it. With DUCTUS_WRITE_FUNCTION_LIST=1 the first
/// test also rewrites the file: decisions kept, new names added as unclassified, gone names dropped.
/// </summary>
public sealed class FunctionListTests
{
    private const string WriteVariable = "DUCTUS_WRITE_FUNCTION_LIST";

    private static string ListPath([CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "..", "Core", "Query", "duckdb-functions.tsv"));

    /// <summary>Every function name DuckDB registers, with its kinds, from an instance set up like a sandbox (no extension autoloading).</summary>
    private static async Task<Dictionary<string, string>> DuckDbFunctionsAsync()
    {
        await using var duck = new DuckDBConnection("Data Source=:memory:");
        await duck.OpenAsync();
        await using var command = duck.CreateCommand();
        command.CommandText = """
            SET autoinstall_known_extensions = false;
            SET autoload_known_extensions = false;
            """;
        await command.ExecuteNonQueryAsync();
        command.CommandText = """
            SELECT function_name, string_agg(DISTINCT function_type, ',' ORDER BY function_type)
              FROM duckdb_functions() GROUP BY function_name
            """;
        var functions = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            functions[reader.GetString(0)] = reader.GetString(1);
        }

        return functions;
    }

    [Fact]
    public async Task Every_function_of_the_duckdb_in_use_is_classified()
    {
        var duckdb = await DuckDbFunctionsAsync();
        var listed = FunctionList.All.ToDictionary(f => f.Name, StringComparer.Ordinal);

        if (Environment.GetEnvironmentVariable(WriteVariable) == "1")
        {
            var text = await File.ReadAllTextAsync(ListPath());
            var header = string.Concat(text.Split('\n').TakeWhile(l => l.StartsWith('#')).Select(l => l + "\n"));
            var merged = duckdb.Select(f => listed.TryGetValue(f.Key, out var known)
                ? known with { Kinds = f.Value, Use = known.Kinds == f.Value ? known.Use : FunctionUse.Unclassified }
                : new ClassifiedFunction(f.Key, f.Value, FunctionUse.Unclassified, string.Empty));
            await File.WriteAllTextAsync(ListPath(), FunctionList.Format(header, merged));
        }

        var missing = duckdb.Keys.Where(name => !listed.ContainsKey(name)).Order(StringComparer.Ordinal).ToList();
        var gone = listed.Keys.Where(name => !duckdb.ContainsKey(name)).Order(StringComparer.Ordinal).ToList();
        var rekinded = listed.Values.Where(f => duckdb.TryGetValue(f.Name, out var kinds) && kinds != f.Kinds)
            .Select(f => $"{f.Name} ({f.Kinds} -> {duckdb[f.Name]})").ToList();
        var unclassified = listed.Values.Where(f => f.Use == FunctionUse.Unclassified).Select(f => f.Name).ToList();
        var problems = new List<string>();
        void Report(string what, List<string> names)
        {
            if (names.Count > 0)
            {
                problems.Add($"{what}: {string.Join(", ", names)}");
            }
        }

        Report("not in the list", missing);
        Report("no longer in DuckDB", gone);
        Report("registered under other kinds now", rekinded);
        Report("unclassified", unclassified);
        Assert.True(problems.Count == 0,
            $"Core/Query/duckdb-functions.tsv does not match this DuckDB. {string.Join(". ", problems)}. "
            + $"Run the test with {WriteVariable}=1 to refresh the names, then classify each unclassified line.");
    }

    [Fact]
    public void Every_denied_function_says_why()
    {
        var silent = FunctionList.All.Where(f => f.Use == FunctionUse.Deny && string.IsNullOrWhiteSpace(f.Reason)).Select(f => f.Name).ToList();
        Assert.Empty(silent);
    }

    /// <summary>
    /// A macro's body is bound in place of the call, where the guard never looks: an allowed macro must
    /// itself pass the guard (only allowed functions, no tables), or it would be a way around the list.
    /// </summary>
    [Fact]
    public async Task Allowed_macros_call_only_allowed_functions()
    {
        await using var duck = new DuckDBConnection("Data Source=:memory:");
        await duck.OpenAsync();
        await using var command = duck.CreateCommand();
        command.CommandText = "SELECT function_name, macro_definition FROM duckdb_functions() WHERE function_type = 'macro'";
        var bodies = new List<(string Name, string Body)>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                bodies.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        Assert.NotEmpty(bodies);
        var escapes = new List<string>();
        foreach (var (name, body) in bodies.Where(m => FunctionList.MayCall(m.Name)))
        {
            var verdict = await SqlGuard.CheckAsync($"SELECT {body}", []);
            if (!verdict.Allowed)
            {
                escapes.Add($"{name}: {verdict.Error}");
            }
        }

        Assert.Empty(escapes);
    }
}
