using Ductus.Api.Auth;
using Ductus.Api.Query;
using Ductus.Core.Catalog;
using FastEndpoints;

namespace Ductus.Api.Features.Datasets.Diff;

/// <summary>Two snapshots of a dataset compared: rows added and removed, schema changes, per-column statistics.</summary>
public sealed class Endpoint(CatalogStore catalog, QueryRunner runner) : Endpoint<Request, Response>
{
    public override void Configure()
    {
        Get("/api/datasets/{name}/diff");
        Policies(PolicyNames.Analyst);
        Description(d => d.WithTags("Datasets")
            .ProducesAuthFailures()
            .ProducesProblemDetails(StatusCodes.Status400BadRequest)
            .ProducesProblemDetails(StatusCodes.Status404NotFound)
            .ProducesProblemDetails(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblemDetails(StatusCodes.Status502BadGateway));
        Summary(s =>
        {
            s.Summary = "Compare two snapshots of a dataset";
            s.Description = "?from= and ?to= are snapshot versions (both required; equal is allowed). Rows added and removed are the " +
                "multiset difference of whole rows over the columns both versions have (the lake's `_ductus_*` columns left out); " +
                "the schema change lists columns added, removed and retyped; each column has min, max and nulls at both versions. " +
                $"Computed by the query engine; a version with more than {SnapshotComparison.MaxDistinctRows} distinct rows answers 422.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var scope = await runner.ScopeAsync(User, ct);
        if (!scope.Datasets.TryGetValue(req.Name, out var dataset))
        {
            ThrowError(r => r.Name, "No dataset with this name in your workspace.", StatusCodes.Status404NotFound);
        }

        var from = await SnapshotAsync(scope.Workspace, dataset.Name, req.From!.Value, ct);
        var to = await SnapshotAsync(scope.Workspace, dataset.Name, req.To!.Value, ct);
        if (from is null)
        {
            AddError(r => r.From!, $"No version {req.From} of this dataset: never committed, or expired by retention.");
        }

        if (to is null)
        {
            AddError(r => r.To!, $"No version {req.To} of this dataset: never committed, or expired by retention.");
        }

        if (from is null || to is null)
        {
            await Send.ErrorsAsync(StatusCodes.Status404NotFound, ct);
            return;
        }

        try
        {
            await Send.OkAsync(await CompareAsync(new SnapshotComparison(runner, scope, dataset.Name), dataset.Name, from, to, ct), ct);
        }
        catch (QueryFailedException e)
        {
            await Send.ResultAsync(TypedResults.Problem(e.Message, statusCode: e.Status, title: "Comparison failed"));
        }
        catch (HttpRequestException)
        {
            await Send.ResultAsync(TypedResults.Problem("The query engine could not be reached; try again shortly.",
                statusCode: StatusCodes.Status502BadGateway, title: "Query engine unavailable"));
        }
    }

    private async Task<SnapshotRecord?> SnapshotAsync(Guid workspace, string dataset, long version, CancellationToken ct) =>
        (await catalog.Datasets.GetSnapshotAsync(workspace, dataset, version, ct))?.Snapshot;

    private static async Task<Response> CompareAsync(SnapshotComparison compare, string dataset, SnapshotRecord from, SnapshotRecord to, CancellationToken ct)
    {
        var before = await compare.ColumnsAsync(from.Version, ct);
        var after = await compare.ColumnsAsync(to.Version, ct);
        var beforeTypes = before.ToDictionary(c => c.Name, c => c.Type, StringComparer.Ordinal);
        var afterTypes = after.ToDictionary(c => c.Name, c => c.Type, StringComparer.Ordinal);
        var schema = new SchemaChange(
            [.. after.Where(c => !beforeTypes.ContainsKey(c.Name))],
            [.. before.Where(c => !afterTypes.ContainsKey(c.Name))],
            [.. after.Where(c => beforeTypes.TryGetValue(c.Name, out var old) && old != c.Type).Select(c => new TypeChange(c.Name, beforeTypes[c.Name], c.Type))]);

        var common = after.Where(c => beforeTypes.ContainsKey(c.Name)).Select(c => c.Name).ToList();
        var fromRows = await compare.FingerprintsAsync(from.Version, common, ct);
        var toRows = await compare.FingerprintsAsync(to.Version, common, ct);

        var fromStats = await compare.StatsAsync(from.Version, before, ct);
        var toStats = await compare.StatsAsync(to.Version, after, ct);
        List<ColumnDiff> columns =
        [
            .. after.Select(c => new ColumnDiff(c.Name, c.Type, fromStats.GetValueOrDefault(c.Name), toStats[c.Name])),
            .. schema.Removed.Select(c => new ColumnDiff(c.Name, c.Type, fromStats[c.Name], null)),
        ];

        return new Response(dataset, Side(from), Side(to),
            SnapshotComparison.Except(toRows, fromRows), SnapshotComparison.Except(fromRows, toRows), schema, columns);
    }

    private static SnapshotSide Side(SnapshotRecord s) => new(s.Version, s.RowCount, s.CreatedAt, s.Operation.ToString().ToLowerInvariant());
}
