using Ductus.Core.Catalog;
using Microsoft.Extensions.Options;

namespace Ductus.Api.Catalog;

/// <summary>Where specs sent to the Api may read local files from, and how late a load may be.</summary>
public sealed class CatalogOptions
{
    public const string Section = "Ductus";

    /// <summary>
    /// Folders local source paths must lie in (<c>Ductus:Sources:Roots</c>). Specs arrive over the
    /// network, so anything outside is refused; empty means the repository's <c>data/</c> folder.
    /// </summary>
    public SourcesOptions Sources { get; set; } = new();

    /// <summary>
    /// How long a scheduled load may run past its due time before its dataset counts as stale: the
    /// freshness alerts' grace too, so keep it equal to <c>Ductus:Alerts:FreshnessGrace</c> (the
    /// AppHost sets it from that setting).
    /// </summary>
    public TimeSpan FreshnessTolerance { get; set; } = Freshness.DefaultGrace;
}

public sealed class SourcesOptions
{
    public IList<string> Roots { get; } = [];
}

internal sealed class CatalogOptionsValidator : IValidateOptions<CatalogOptions>
{
    public ValidateOptionsResult Validate(string? name, CatalogOptions options)
    {
        if (options.FreshnessTolerance < TimeSpan.Zero)
        {
            return ValidateOptionsResult.Fail($"Ductus:FreshnessTolerance must not be negative (was {options.FreshnessTolerance}).");
        }

        var blank = options.Sources.Roots.FirstOrDefault(string.IsNullOrWhiteSpace);
        return blank is null
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail("Ductus:Sources:Roots holds an empty entry; list folders only.");
    }
}
