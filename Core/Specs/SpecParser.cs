namespace Ductus.Core.Specs;

/// <summary>One problem in a spec, located by its dotted path (<c>contract.columns.delay.min</c>).</summary>
public sealed record SpecError(string Path, string Message)
{
    public override string ToString() => $"{Path}: {Message}";
}

/// <param name="Spec">Null only when the text is not a YAML/JSON mapping; partial when <paramref name="Errors"/> is not empty.</param>
public sealed record SpecParseResult(PipelineSpec? Spec, IReadOnlyList<SpecError> Errors)
{
    public bool IsValid => Spec is not null && Errors.Count == 0;
}

/// <summary>
/// Reads pipeline specs. YAML and JSON share one model and one key spelling: snake_case
/// (<c>max_reject_ratio</c>, <c>accepted_values</c>), so a YAML spec converts to JSON key for key.
/// </summary>
public static class SpecParser
{
    /// <summary>
    /// Deepest nesting a spec may have (the root mapping is level 1). Real specs stay under 8;
    /// the bound keeps every walk of the tree shallow whatever the text.
    /// </summary>
    public const int MaxDepth = 32;

    /// <summary>Longest spec text in characters; a spec with a long transform is a few KB.</summary>
    public const int MaxLength = 1 << 20;

    public static SpecParseResult ParseYaml(string yaml)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var errors = new List<SpecError>();
        var root = SpecDocument.FromYaml(yaml, errors);
        return Bind(root, errors);
    }

    public static SpecParseResult ParseJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var errors = new List<SpecError>();
        var root = SpecDocument.FromJson(json, errors);
        return Bind(root, errors);
    }

    private static SpecParseResult Bind(SpecNode? root, List<SpecError> errors)
    {
        if (root is null)
        {
            return new SpecParseResult(null, errors);
        }

        if (root is not MapNode map)
        {
            errors.Add(new SpecError("(document)", "must be a mapping of keys (name, source, target, ...)"));
            return new SpecParseResult(null, errors);
        }

        var spec = new SpecBinder(errors).Pipeline(map);
        return new SpecParseResult(spec, errors);
    }
}
