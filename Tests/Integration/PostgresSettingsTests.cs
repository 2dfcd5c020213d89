using Ductus.Tests.Infrastructure;
using Npgsql;

namespace Ductus.Tests.Integration;

[Collection(StackDefinition.Name)]
public sealed class PostgresSettingsTests(StackFixture stack)
{
    [Fact]
    public async Task The_stacks_postgres_backends_keep_their_freed_heap()
    {
        // A backend writes its process title over its copy of the environment; the postmaster,
        // its parent, keeps the one the AppHost started it with (and that every backend inherits).
        await using var source = NpgsqlDataSource.Create(stack.DatabaseConnectionString);
        await using var command = source.CreateCommand("SELECT pg_backend_pid()");
        var backend = (int)(await command.ExecuteScalarAsync())!;
        var postmaster = LinuxProcesses.ParentOf(backend);
        Assert.NotNull(postmaster);

        var environment = (await File.ReadAllTextAsync($"/proc/{postmaster}/environ")).Split('\0');

        Assert.Contains("MALLOC_TRIM_THRESHOLD_=33554432", environment);
        Assert.Contains("MALLOC_MMAP_THRESHOLD_=16777216", environment);
    }
}
