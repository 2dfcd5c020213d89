using Ductus.Api.Auth;
using Ductus.Api.Ingest;
using FastEndpoints;

namespace Ductus.Api.Features.Datasets.Batch;

public sealed class Endpoint(IngestWriter buffer) : Endpoint<Request, Response>
{
    public override void Configure()
    {
        Get("/api/datasets/{name}/batches/{id}");
        Policies(PolicyNames.Ingest);
        Description(d => d.WithTags("Datasets")
            .Produces(StatusCodes.Status401Unauthorized)
            .Produces(StatusCodes.Status403Forbidden)
            .ProducesProblemDetails(StatusCodes.Status404NotFound));
        Summary(s =>
        {
            s.Summary = "Follow a pushed batch";
            s.Description = "Whether the batch's records are still buffered or loaded, by which run, and how many of them the contract rejected.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        if (await buffer.GetAsync(User.WorkspaceId(), req.Name, req.Id, ct) is not { } batch)
        {
            AddError(r => r.Id, "No batch with this id was pushed to this dataset in your workspace.");
            await Send.ErrorsAsync(StatusCodes.Status404NotFound, ct);
            return;
        }

        await Send.OkAsync(Response.From(batch), ct);
    }
}
