using FastEndpoints;

namespace Ductus.Api.Query;

public static class QueryRouteDocs
{
    /// <summary>The answers every route that runs through <see cref="QueryRunner"/> documents: the result in a format chosen by Accept, or a problem.</summary>
    public static RouteHandlerBuilder ProducesQueryResult(this RouteHandlerBuilder route) =>
        route.Produces<object>(StatusCodes.Status200OK, "application/json", "text/csv", "application/x-ndjson", "application/vnd.apache.parquet")
            .ProducesProblemDetails(StatusCodes.Status400BadRequest)
            .Produces(StatusCodes.Status401Unauthorized)
            .Produces(StatusCodes.Status403Forbidden)
            .ProducesProblemDetails(StatusCodes.Status404NotFound);
}
