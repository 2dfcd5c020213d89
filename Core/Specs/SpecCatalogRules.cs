using System.Text.RegularExpressions;

namespace Ductus.Core.Specs;

/// <summary>
/// The rules of a spec's catalog fields (<c>owner</c>, <c>tags</c>): what a dataset is found and
/// filtered by (<c>GET /api/datasets?q=&amp;tag=&amp;owner=</c>), so they are kept short and
/// tags are kept to one spelling.
/// </summary>
public static partial class SpecCatalogRules
{
    public const int MaxOwnerLength = 200;

    public const int MaxTags = 20;

    public static void Validate(PipelineSpec spec, Action<string, string> error)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(error);
        if (spec.Owner is { } owner)
        {
            if (string.IsNullOrWhiteSpace(owner))
            {
                error("owner", "must not be empty (leave it out when the pipeline has no owner)");
            }
            else if (owner.Length > MaxOwnerLength || owner.Any(char.IsControl))
            {
                error("owner", $"must be at most {MaxOwnerLength} characters on one line (a team or a person, e.g. data-platform or ana@example.com)");
            }
        }

        if (spec.Tags.Count > MaxTags)
        {
            error("tags", $"has {spec.Tags.Count} tags; a spec may have at most {MaxTags}");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < spec.Tags.Count; i++)
        {
            var tag = spec.Tags[i];
            if (!Tag().IsMatch(tag))
            {
                // One spelling per tag, so ?tag=finance finds every dataset tagged finance.
                error($"tags[{i}]", $"'{tag}' must be 1-50 characters of a-z, 0-9, '_', '-', '.' or ':', starting with a letter or digit");
            }
            else if (!seen.Add(tag))
            {
                error($"tags[{i}]", $"'{tag}' appears twice");
            }
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9_.:-]{0,49}$", RegexOptions.CultureInvariant)]
    private static partial Regex Tag();
}
