using System.Text.Json;
using Ductus.Core.Specs;

namespace Ductus.Core.Contracts;

/// <summary>
/// The shape of <c>stack.json</c>: what the AppHost writes once the database is ready
/// (<c>AppHost/Infrastructure/StackFile.cs</c>) and the command-line tools read to find the
/// running stack without flags. It holds secrets, so the AppHost makes it readable by its owner only.
/// </summary>
public sealed record StackInfo(Dictionary<string, string?> ConnectionStrings, string LakeRoot)
{
    public const string FileName = "stack.json";

    /// <summary>The Api's http address as clients outside the AppHost reach it.</summary>
    public string? Api { get; init; }

    /// <summary>The bootstrap admin client's secret (client_id <c>admin</c>).</summary>
    public string? AdminKey { get; init; }

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>The catalog database's connection string, or null when the file has none.</summary>
    public string? Database => ConnectionStrings.GetValueOrDefault(Resources.Database);

    /// <summary>Where a clone's local stack writes its file: <c>&lt;repository&gt;/.ductus/stack.json</c>.</summary>
    public static string DefaultPath(string startDirectory) =>
        Path.Combine(Path.GetDirectoryName(SourceRoots.RepositoryDataFolder(startDirectory))!, ".ductus", FileName);

    /// <summary>Reads <paramref name="path"/>; null when it does not exist.</summary>
    /// <exception cref="JsonException">The file is not a stack file.</exception>
    public static StackInfo? Read(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        using var file = File.OpenRead(path);
        return JsonSerializer.Deserialize<StackInfo>(file, Json) is { ConnectionStrings: not null, LakeRoot: not null } stack
            ? stack
            : throw new JsonException($"{path} has no connectionStrings or lakeRoot.");
    }

    /// <summary>
    /// The stack a tool acts on: <c>ConnectionStrings__ductus</c> + <c>Ductus__Lake__Root</c> from
    /// the environment when both are set (a deployment has no stack file), else the file
    /// <paramref name="file"/> or the repository's <c>.ductus/stack.json</c>; null when neither exists.
    /// </summary>
    public static StackInfo? Find(string? file, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var database = environment($"ConnectionStrings__{Resources.Database}");
        var lake = environment("Ductus__Lake__Root");
        if (!string.IsNullOrEmpty(database) && !string.IsNullOrEmpty(lake))
        {
            return new StackInfo(new Dictionary<string, string?> { [Resources.Database] = database }, lake);
        }

        return Read(file ?? DefaultPath(Directory.GetCurrentDirectory()));
    }
}
