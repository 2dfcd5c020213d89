using System.Text.Json;
using FastEndpoints;
using FluentValidation;

namespace Ductus.Api.Features.Query.Run;

public sealed class Request
{
    /// <summary>One read-only SELECT over the workspace's datasets, referenced by name (<c>SELECT ... FROM flights</c>).</summary>
    public string Sql { get; set; } = string.Empty;

    /// <summary>Named parameters (<c>$origin</c> in the SQL), bound by DuckDB, never interpolated.</summary>
    public Dictionary<string, JsonElement>? Parameters { get; set; }

    /// <summary>Pin datasets to snapshot versions (time travel); others are read at their current version.</summary>
    public Dictionary<string, long>? Versions { get; set; }

    /// <summary>Most rows to return (at most the server's cap).</summary>
    public int? Limit { get; set; }

    public sealed class Validator : Validator<Request>
    {
        public Validator()
        {
            RuleFor(r => r.Sql).NotEmpty().WithMessage("sql is required").MaximumLength(100_000);
            RuleFor(r => r.Limit).InclusiveBetween(1, 1_000_000).When(r => r.Limit is not null);
            RuleForEach(r => r.Versions).Must(v => v.Value >= 1).WithMessage("a snapshot version is 1 or more");
            RuleForEach(r => r.Parameters).Must(p => global::System.Text.RegularExpressions.Regex.IsMatch(p.Key, "^[A-Za-z_][A-Za-z0-9_]*$"))
                .WithMessage("parameter names are letters, digits and _");
        }
    }
}
