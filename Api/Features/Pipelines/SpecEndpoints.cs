using FastEndpoints;
using FluentValidation.Results;

namespace Ductus.Api.Features.Pipelines;

/// <summary>What the endpoints that take a spec body share: how it is documented and how its errors are answered.</summary>
internal static class SpecEndpoints
{
    // FastEndpoints camel-cases field names, so a header name is given as it will read.
    public const string ContentTypeField = "content-type";

    /// <summary>
    /// The body is read by hand, so FastEndpoints documents none: both formats are declared here
    /// (one object model, whichever the format) and, since <c>clearDefaults</c> drops them, 401
    /// and 403 too. Routing matches on these types, and a request it cannot match would get a
    /// bare 415 from ASP.NET Core (a 403 under the admin-only fallback policy), so <c>*/*</c> is
    /// declared as well and the handler answers other types with a 415 problem itself.
    /// </summary>
    public static RouteHandlerBuilder AcceptsSpec(this RouteHandlerBuilder builder) => builder
        .Accepts<Dictionary<string, object>>("application/json", [.. SpecBody.YamlTypes, "*/*"])
        .ProducesProblemDetails(StatusCodes.Status400BadRequest)
        .Produces(StatusCodes.Status401Unauthorized)
        .Produces(StatusCodes.Status403Forbidden)
        .ProducesProblemDetails(StatusCodes.Status415UnsupportedMediaType);

    /// <summary>Every spec error as a field error named by its path (<c>contract.columns.delay.min</c>).</summary>
    public static void AddSpecErrors(this List<ValidationFailure> failures, SpecBody body)
    {
        foreach (var error in body.Errors)
        {
            failures.Add(new ValidationFailure(error.Path, error.Message));
        }
    }

    public const string UnsupportedMediaType = "Send the spec as application/json or application/yaml.";
}
