using Microsoft.Extensions.Options;

namespace Ductus.Core.Lake;

/// <summary>Where the Parquet lake lives (<c>Ductus:Lake</c>).</summary>
public sealed class LakeOptions
{
    public const string Section = "Ductus:Lake";

    /// <summary>Absolute path of the lake folder; one sub-folder per workspace.</summary>
    public string Root { get; set; } = string.Empty;
}

public sealed class LakeOptionsValidator : IValidateOptions<LakeOptions>
{
    public ValidateOptionsResult Validate(string? name, LakeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.Root))
        {
            return ValidateOptionsResult.Fail($"{LakeOptions.Section}:Root is required: the absolute path of the lake folder.");
        }

        if (!Path.IsPathFullyQualified(options.Root))
        {
            return ValidateOptionsResult.Fail($"{LakeOptions.Section}:Root must be an absolute path, not '{options.Root}'.");
        }

        return ValidateOptionsResult.Success;
    }
}
