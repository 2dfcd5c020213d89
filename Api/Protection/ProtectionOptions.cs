using Microsoft.Extensions.Options;

namespace Ductus.Api.Protection;

/// <summary>Configuration section <c>Ductus:RateLimit</c>.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "Ductus:RateLimit";

    public bool Enabled { get; set; } = true;

    /// <summary>Length of the fixed window the counts are kept for.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Requests per window for an authenticated client whose key sets no limit of its own.</summary>
    public int PermitLimit { get; set; } = 600;

    /// <summary>Requests per window from one IP address without a token (the token endpoint).</summary>
    public int AnonymousPermitLimit { get; set; } = 120;
}

/// <summary>Configuration section <c>Ductus:Api</c>.</summary>
public sealed class RequestLimitOptions
{
    public const string Section = "Ductus:Api";

    /// <summary>Largest request body accepted, in bytes.</summary>
    public long MaxRequestBodyBytes { get; set; } = 8 * 1024 * 1024;
}

public sealed class RateLimitOptionsValidator : IValidateOptions<RateLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, RateLimitOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.Window < TimeSpan.FromSeconds(1) || options.Window > TimeSpan.FromHours(1))
        {
            failures.Add($"{RateLimitOptions.Section}:Window must be between 00:00:01 and 01:00:00, not {options.Window}.");
        }

        if (options.PermitLimit < 1)
        {
            failures.Add($"{RateLimitOptions.Section}:PermitLimit must be at least 1, not {options.PermitLimit}.");
        }

        if (options.AnonymousPermitLimit < 1)
        {
            failures.Add($"{RateLimitOptions.Section}:AnonymousPermitLimit must be at least 1, not {options.AnonymousPermitLimit}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

public sealed class RequestLimitOptionsValidator : IValidateOptions<RequestLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, RequestLimitOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.MaxRequestBodyBytes < 1024
            ? ValidateOptionsResult.Fail($"{RequestLimitOptions.Section}:MaxRequestBodyBytes must be at least 1024, not {options.MaxRequestBodyBytes}.")
            : ValidateOptionsResult.Success;
    }
}
