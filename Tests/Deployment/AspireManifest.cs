using System.Text.Json;
using System.Text.RegularExpressions;

namespace Ductus.Tests.Deployment;

/// <summary>
/// The AppHost's published manifest (<c>aspire-manifest.json</c>), read the way a deployment
/// tool reads it: resources by name, their environment, parameters and their defaults, and
/// which parameters an expression such as <c>{ductus.connectionString}</c> finally rests on.
/// </summary>
public sealed partial class AspireManifest
{
    private readonly Dictionary<string, JsonElement> _resources;

    public AspireManifest(JsonElement root, string directory)
    {
        _resources = root.GetProperty("resources").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal);
        Directory = directory;
        Root = root.Clone();
    }

    public JsonElement Root { get; }

    /// <summary>Where the manifest was written: project paths in it are relative to this folder.</summary>
    public string Directory { get; }

    public IReadOnlyDictionary<string, JsonElement> Resources => _resources;

    public static AspireManifest Load(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return new AspireManifest(document.RootElement, Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    public JsonElement Resource(string name) =>
        _resources.TryGetValue(name, out var resource) ? resource : throw new KeyNotFoundException($"The manifest has no resource '{name}'; it has {string.Join(", ", _resources.Keys)}.");

    public string TypeOf(string name) => Resource(name).GetProperty("type").GetString()!;

    public IEnumerable<string> OfType(string prefix) =>
        _resources.Where(r => r.Value.GetProperty("type").GetString()!.StartsWith(prefix, StringComparison.Ordinal)).Select(r => r.Key);

    /// <summary>The projects (the services and the migrator), each built from its own project file.</summary>
    public IEnumerable<string> Projects => OfType("project.");

    /// <summary>The project file a project resource is built from, resolved as azd resolves it.</summary>
    public string ProjectFile(string name) => Path.GetFullPath(Path.Combine(Directory, Resource(name).GetProperty("path").GetString()!));

    public IReadOnlyDictionary<string, string> Env(string name) =>
        Resource(name).TryGetProperty("env", out var env)
            ? env.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);

    public bool IsSecretParameter(string name) =>
        TypeOf(name) == "parameter.v0"
        && Resource(name).GetProperty("inputs").GetProperty("value").TryGetProperty("secret", out var secret)
        && secret.GetBoolean();

    /// <summary>A parameter's published default value (<c>inputs.value.default.value</c>), if it has one.</summary>
    public string? ParameterDefault(string name) =>
        Resource(name).GetProperty("inputs").GetProperty("value").TryGetProperty("default", out var d) && d.TryGetProperty("value", out var v)
            ? v.GetString()
            : null;

    public bool HasGeneratedDefault(string name) =>
        Resource(name).GetProperty("inputs").GetProperty("value").TryGetProperty("default", out var d) && d.TryGetProperty("generate", out _);

    public sealed record Probe(string Type, string Endpoint, string Path);

    /// <summary>The <c>probes</c> the AppHost writes for a project (Aspire's own publisher writes none).</summary>
    public IReadOnlyList<Probe> Probes(string name) =>
        Resource(name).TryGetProperty("probes", out var probes)
            ? [.. probes.EnumerateArray().Select(p => new Probe(p.GetProperty("type").GetString()!, p.GetProperty("endpoint").GetString()!, p.GetProperty("path").GetString()!))]
            : [];

    /// <summary>The <c>{resource.property}</c> references of a manifest expression.</summary>
    public static IEnumerable<(string Resource, string Property)> References(string expression) =>
        Reference().Matches(expression).Select(m => (m.Groups[1].Value, m.Groups[2].Value));

    /// <summary>
    /// The parameters an expression finally rests on, through connection strings and values:
    /// <c>{ductus.connectionString}</c> of a container database rests on <c>postgres-password</c>.
    /// </summary>
    public ISet<string> ParametersBehind(string expression)
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        void Walk(string text)
        {
            foreach (var (resource, property) in References(text))
            {
                if (!_resources.TryGetValue(resource, out var r) || !seen.Add(resource + "." + property))
                {
                    continue;
                }

                if (r.GetProperty("type").GetString() == "parameter.v0")
                {
                    found.Add(resource);
                }
                else if (property is "connectionString" or "value" && r.TryGetProperty(property, out var inner))
                {
                    Walk(inner.GetString()!);
                }
            }
        }

        Walk(expression);
        return found;
    }

    /// <summary>Every string in the manifest with the JSON path it sits at.</summary>
    public IEnumerable<(string Path, string Value)> Strings()
    {
        static IEnumerable<(string, string)> Walk(JsonElement element, string path) => element.ValueKind switch
        {
            JsonValueKind.Object => element.EnumerateObject().SelectMany(p => Walk(p.Value, $"{path}.{p.Name}")),
            JsonValueKind.Array => element.EnumerateArray().SelectMany((e, i) => Walk(e, $"{path}[{i}]")),
            JsonValueKind.String => [(path, element.GetString()!)],
            _ => [],
        };

        return Walk(Root, "$");
    }

    [GeneratedRegex(@"\{([^.{}]+)\.([^{}]+)\}")]
    private static partial Regex Reference();
}
