using Ductus.Core.Sources;
using Ductus.Core.Specs;
using Ductus.Pipelines.Engine;

namespace Ductus.Tests.Unit.Engine;

/// <summary>
/// What a run may read from disk: the files its source resolved to, inside its workspace's roots,
/// and nothing through a link out of them, whatever its transform's SQL asks DuckDB for.
/// </summary>
public sealed class SourceIsolationTests : IDisposable
{
    private readonly EngineScratch scratch = new();
    private readonly string teamRoot;
    private readonly string secret;

    public SourceIsolationTests()
    {
        File.WriteAllText(Path.Combine(scratch.Root, "mine.csv"), "id,name\n1,one\n2,two\n");
        teamRoot = Path.Combine(scratch.Folder, "team-data");
        Directory.CreateDirectory(teamRoot);
        File.WriteAllText(Path.Combine(teamRoot, "theirs.csv"), "id,name\n7,seven\n");
        secret = Path.Combine(scratch.Folder, "secret.csv");
        File.WriteAllText(secret, "password\nhunter2\n");
    }

    public void Dispose() => scratch.Dispose();

    private static PipelineSpec Spec(string path, string transform) => EngineScratch.Parse($"""
        name: isolated
        source: {"{"} kind: csv, path: "{path}" {"}"}
        transform: "{transform}"
        target: {"{"} dataset: isolated {"}"}
        """);

    private RunEngine Engine(SourceAccess access) => new(access, scratch.Http, TimeProvider.System) { Threads = 1, MemoryLimit = "256MB" };

    private SourceAccess TeamGranted()
    {
        var grants = new SourceGrants();
        grants.Roots["team"] = [teamRoot];
        return new SourceAccess([scratch.Root], grants);
    }

    private RunContext Context(string workspace) => new(Guid.NewGuid(), workspace, scratch.Lake);

    [Fact]
    public async Task A_transform_cannot_follow_a_link_inside_the_root_to_a_file_outside_it()
    {
        var link = Path.Combine(scratch.Root, "innocent.csv");
        File.CreateSymbolicLink(link, secret);

        await using var output = await scratch.Engine.ExecuteAsync(Spec("mine.csv", $"SELECT * FROM read_csv('{link}')"), scratch.Context(), CancellationToken.None);

        Assert.True(output.Failed, "the transform read the file behind the link");
        Assert.Equal("transform", output.FailedStep);
        Assert.Contains("Permission Error", output.FailureReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_glob_whose_matches_link_outside_reads_only_the_files_inside()
    {
        var folder = Path.Combine(scratch.Root, "glob");
        Directory.CreateDirectory(folder);
        File.Copy(Path.Combine(scratch.Root, "mine.csv"), Path.Combine(folder, "mine.csv"));
        File.CreateSymbolicLink(Path.Combine(folder, "zz-innocent.csv"), secret);

        await using var output = await scratch.Engine.ExecuteAsync(Spec("glob/*.csv", "SELECT * FROM source"), scratch.Context(), CancellationToken.None);

        Assert.False(output.Failed, output.FailureReason);
        Assert.Equal(2, output.RowsLoaded);
        Assert.Equal(["id", "name"], output.Columns.Select(c => c.Name).Where(n => !n.StartsWith("_ductus_", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Another_workspace_cannot_read_the_default_workspaces_roots()
    {
        var engine = Engine(TeamGranted());

        await using var byPath = await engine.ExecuteAsync(Spec(Path.Combine(scratch.Root, "mine.csv"), "SELECT * FROM source"), Context("team"), CancellationToken.None);
        await using var byTransform = await engine.ExecuteAsync(
            Spec("theirs.csv", $"SELECT * FROM read_csv('{Path.Combine(scratch.Root, "mine.csv")}')"), Context("team"), CancellationToken.None);
        await using var own = await engine.ExecuteAsync(Spec("theirs.csv", "SELECT * FROM source"), Context("team"), CancellationToken.None);

        Assert.Equal(("validate", "source.path: absolute paths must be under a source root"), (byPath.FailedStep, byPath.FailureReason));
        Assert.Equal("transform", byTransform.FailedStep);
        Assert.Contains("Permission Error", byTransform.FailureReason, StringComparison.Ordinal);
        Assert.False(own.Failed, own.FailureReason);
        Assert.Equal(1, own.RowsLoaded);
    }

    [Fact]
    public async Task A_workspace_without_granted_roots_reads_no_local_file_and_the_default_one_reads_its_own()
    {
        var engine = Engine(TeamGranted());

        await using var stranger = await engine.ExecuteAsync(Spec("mine.csv", "SELECT * FROM source"), Context("stranger"), CancellationToken.None);
        await using var home = await engine.ExecuteAsync(Spec("mine.csv", "SELECT * FROM source"), Context(SourceGrants.DefaultWorkspace), CancellationToken.None);
        await using var across = await engine.ExecuteAsync(Spec(Path.Combine(teamRoot, "theirs.csv"), "SELECT * FROM source"), Context(SourceGrants.DefaultWorkspace), CancellationToken.None);

        Assert.Equal("validate", stranger.FailedStep);
        Assert.Equal("source.path: no source folder is granted to this workspace: use an http(s) URL, or ask an operator to grant one", stranger.FailureReason);
        Assert.False(home.Failed, home.FailureReason);
        Assert.Equal(2, home.RowsLoaded);
        Assert.Equal("source.path: absolute paths must be under a source root", across.FailureReason);
    }

    [Fact]
    public void Validation_answers_alike_for_existing_and_missing_files_of_other_workspaces()
    {
        var access = TeamGranted();
        string? Answer(string workspace, string path) => access.RootsOf(workspace).Resolve(path).Error;

        Assert.Equal(Answer("team", Path.Combine(scratch.Root, "missing.csv")), Answer("team", Path.Combine(scratch.Root, "mine.csv")));
        Assert.Equal(Answer("stranger", "missing.csv"), Answer("stranger", "mine.csv"));
        Assert.Equal(Answer("default", Path.Combine(teamRoot, "missing.csv")), Answer("default", Path.Combine(teamRoot, "theirs.csv")));
        Assert.Null(Answer("team", "theirs.csv"));
        Assert.Null(Answer("default", "mine.csv"));
    }
}
