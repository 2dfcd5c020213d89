using Ductus.Api.Auth;
using Ductus.Core.Catalog;
using FastEndpoints;

namespace Ductus.Api.Features;

/// <summary>A request naming one pipeline or dataset in the route.</summary>
public sealed class ArchiveRequest
{
    public string Name { get; set; } = string.Empty;
}

/// <summary>
/// Archive, restore or purge of one pipeline or dataset (docs/governance.md): answered 204, or
/// 404 when there is no such item, or 409 when it is not in the state the action needs.
/// </summary>
public abstract class ArchiveEndpoint : Endpoint<ArchiveRequest>
{
    /// <param name="kind"><c>pipeline</c> or <c>dataset</c>, as the messages and the tag name it.</param>
    protected void DescribeArchive(string kind, string policy, string summary, string description)
    {
        Policies(policy);
        Description(d => d.WithTags(kind == "pipeline" ? "Pipelines" : "Datasets")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesAuthFailures()
            .ProducesProblemDetails(StatusCodes.Status404NotFound)
            .ProducesProblemDetails(StatusCodes.Status409Conflict), clearDefaults: true);
        Summary(s => (s.Summary, s.Description) = (summary, description));
    }

    /// <summary>The entry for this request's change to <paramref name="req"/>'s item.</summary>
    protected AuditEntry Audit(string action, ArchiveRequest req) => HttpContext.Audit(action, req.Name);

    /// <summary>Answers <paramref name="outcome"/>; true when the change was made.</summary>
    protected async Task<bool> AnswerAsync(ArchiveOutcome outcome, string kind, CancellationToken ct)
    {
        switch (outcome)
        {
            case ArchiveOutcome.Done:
                await Send.NoContentAsync(ct);
                return true;
            case ArchiveOutcome.NotFound:
                AddError(r => r.Name, $"No {kind} with this name in your workspace, archived or not.");
                await Send.ErrorsAsync(StatusCodes.Status404NotFound, ct);
                return false;
            default:
                AddError(r => r.Name, $"The {kind} is not archived: only an archived {kind} is restored or purged (DELETE archives it).");
                await Send.ErrorsAsync(StatusCodes.Status409Conflict, ct);
                return false;
        }
    }

    /// <summary>Answers an archive: 204, or 404 when there is no such item that is not archived already.</summary>
    protected async Task<bool> AnswerArchiveAsync(bool archived, string kind, CancellationToken ct)
    {
        if (archived)
        {
            await Send.NoContentAsync(ct);
            return true;
        }

        AddError(r => r.Name, $"No {kind} with this name in your workspace (or it is archived already).");
        await Send.ErrorsAsync(StatusCodes.Status404NotFound, ct);
        return false;
    }
}
