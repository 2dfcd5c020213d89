using Ductus.Api.Auth;
using Ductus.Core.Catalog;
using FastEndpoints;

namespace Ductus.Api.Features.Runs;

/// <summary>
/// An engineer's action on one run (cancel, replay): accepted with a run (202), or refused with
/// 409 when the run's state does not allow it.
/// </summary>
public abstract class RunActionEndpoint(CatalogStore catalog) : LookupEndpoint<RunIdRequest, Run>
{
    protected CatalogStore Catalog { get; } = catalog;

    protected void DescribeAction(string route, string summary, string description)
    {
        Post(route);
        Policies(PolicyNames.Engineer);
        Description(d => d.WithTags("Runs")
            .Produces<Run>(StatusCodes.Status202Accepted, "application/json")
            .ProducesAuthFailures()
            .ProducesProblemDetails(StatusCodes.Status404NotFound)
            .ProducesProblemDetails(StatusCodes.Status409Conflict), clearDefaults: true);
        Summary(s => (s.Summary, s.Description) = (summary, description));
    }

    protected async Task<RunRecord?> FindRunAsync(Guid workspace, RunIdRequest req, CancellationToken ct) => await FoundOr404Async(
        await Catalog.Runs.GetAsync(workspace, req.Id, ct), r => r.Id, "No run with this id in your workspace.", ct);

    /// <summary>Answers 409, naming the run id as the field at fault.</summary>
    protected async Task ConflictAsync(string reason, CancellationToken ct)
    {
        AddError(r => r.Id, reason);
        await Send.ErrorsAsync(StatusCodes.Status409Conflict, ct);
    }
}
