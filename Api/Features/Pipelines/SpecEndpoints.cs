using Ductus.Api.Auth;
using Ductus.Core.Sources;
using FastEndpoints;
using FluentValidation.Results;

namespace Ductus.Api.Features.Pipelines;

/// <summary>
/// An endpoint that takes a spec body (create, update, validate): one policy, one way to document
/// the body, and the same answers to a body that is not a spec or not a valid one.
/// </summary>
public abstract class SpecEndpoint<TResponse>(SourceAccess sources) : EndpointWithoutRequest<TResponse>
    where TResponse : notnull
{
    /// <summary>Engineers only, documented with <see cref="SpecEndpoints.AcceptsSpec"/> and the given answers.</summary>
    protected void DescribeSpec(string summary, string description, int success, params int[] problems)
    {
        Policies(PolicyNames.Engineer);
        Description(d =>
        {
            d.WithTags("Pipelines").AcceptsSpec().Produces<TResponse>(success, "application/json");
            foreach (var status in problems)
            {
                d.ProducesProblemDetails(status);
            }
        }, clearDefaults: true);
        Summary(s => (s.Summary, s.Description) = (summary, description));
    }

    /// <summary>The body as a spec, errors and all; null once a body of another type was answered with 415.</summary>
    protected async Task<SpecBody?> ReadSpecAsync(CancellationToken ct)
    {
        var body = await SpecBody.ReadAsync(HttpContext.Request, sources, ct);
        if (body is null)
        {
            ValidationFailures.Add(new(SpecEndpoints.ContentTypeField, SpecEndpoints.UnsupportedMediaType));
            await Send.ErrorsAsync(StatusCodes.Status415UnsupportedMediaType, ct);
        }

        return body;
    }

    /// <summary>The body as a valid spec; null once it was answered with 415, or 400 naming every error.</summary>
    protected async Task<SpecBody?> ReadValidSpecAsync(CancellationToken ct)
    {
        if (await ReadSpecAsync(ct) is not { } body)
        {
            return null;
        }

        if (!body.IsValid)
        {
            ValidationFailures.AddSpecErrors(body);
            await Send.ErrorsAsync(StatusCodes.Status400BadRequest, ct);
            return null;
        }

        return body;
    }
}

/// <summary>What the endpoints that take a spec body share: how it is documented and how its errors are answered.</summary>
internal static class SpecEndpoints
{
    // FastEndpoints camel-cases field names, so a header name is given as it will read.
    public const string ContentTypeField = "content-type";

    public const string UnsupportedMediaType = "Send the spec as application/json or application/yaml.";

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
        .ProducesAuthFailures()
        .ProducesProblemDetails(StatusCodes.Status415UnsupportedMediaType);

    /// <summary>Every spec error as a field error named by its path (<c>contract.columns.delay.min</c>).</summary>
    public static void AddSpecErrors(this List<ValidationFailure> failures, SpecBody body)
    {
        foreach (var error in body.Errors)
        {
            failures.Add(new ValidationFailure(error.Path, error.Message));
        }
    }
}
