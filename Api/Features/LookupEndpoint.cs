using System.Linq.Expressions;
using FastEndpoints;

namespace Ductus.Api.Features;

/// <summary>
/// An endpoint whose route names one thing of the caller's workspace. Things of other workspaces
/// answer exactly like things that do not exist, so a guessed id or name tells nothing.
/// </summary>
public abstract class LookupEndpoint<TRequest, TResponse> : Endpoint<TRequest, TResponse>
    where TRequest : notnull
{
    /// <summary><paramref name="found"/>, or null once a 404 naming <paramref name="field"/> was answered.</summary>
    protected async Task<T?> FoundOr404Async<T>(T? found, Expression<Func<TRequest, object?>> field, string message, CancellationToken ct)
        where T : class
    {
        if (found is null)
        {
            AddError(field, message);
            await Send.ErrorsAsync(StatusCodes.Status404NotFound, ct);
        }

        return found;
    }
}

internal static class EndpointDocs
{
    /// <summary>401 and 403: every endpoint behind a policy can answer them, and <c>clearDefaults</c> drops them.</summary>
    public static RouteHandlerBuilder ProducesAuthFailures(this RouteHandlerBuilder builder) => builder
        .Produces(StatusCodes.Status401Unauthorized)
        .Produces(StatusCodes.Status403Forbidden);
}
