using Ductus.Api.Auth;
using Ductus.Api.Catalog;
using Ductus.Core.Catalog;
using FastEndpoints;
using Microsoft.Extensions.Options;

namespace Ductus.Api.Features.Datasets.List;

public sealed class Endpoint(CatalogStore catalog, TimeProvider time, IOptions<CatalogOptions> options, DatasetListResponses unfiltered) : Endpoint<Request, Response>
{
    public override void Configure()
    {
        Get("/api/datasets");
        Policies(PolicyNames.Analyst);
        Description(d => d.WithTags("Datasets").ProducesProblemDetails(StatusCodes.Status400BadRequest)
            .Produces(StatusCodes.Status401Unauthorized).Produces(StatusCodes.Status403Forbidden));
        Summary(s =>
        {
            s.Summary = "The catalog: the datasets of the caller's workspace, searched and filtered";
            s.Description = "Name, description, owner, tags, columns with types and descriptions, row count, current version, last load, " +
                "the pipeline that loads it, and its freshness against the expected schedule. Archived datasets are left out. " +
                "`q` searches names, owners, tags, descriptions, column names and column descriptions (full-text, each word a prefix) " +
                "and ranks the matches; `tag` and `owner` keep only datasets with that tag or owner. Without them: every dataset, by name.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var filter = new DatasetFilter(req.Q, req.Tag, req.Owner);
        var datasets = await catalog.Datasets.ListAsync(User.WorkspaceId(), filter, ct);
        if (filter.IsEmpty)
        {
            // The serializer options FastEndpoints answers with, so the bytes are what OkAsync would write.
            await Send.BytesAsync(unfiltered.Json(User.WorkspaceId(), datasets, new Config().Serializer.Options), "application/json; charset=utf-8", cancellation: ct);
            return;
        }

        var now = time.GetUtcNow();
        await Send.OkAsync(new Response([.. datasets.Select(d => Dataset.From(d, now, options.Value.FreshnessTolerance))]), ct);
    }
}
