using System.Text.Json;
using Ductus.Api.Auth;
using Ductus.Api.Pii;
using Ductus.Core.Catalog;
using FastEndpoints;
using Microsoft.Net.Http.Headers;

namespace Ductus.Api.Features.Runs.Rejects;

public sealed class Endpoint(CatalogStore catalog, RejectStore rejects, PiiAccess pii) : Endpoint<Request, Response>
{
    private const string Csv = "text/csv";
    private const string Ndjson = "application/x-ndjson";

    public override void Configure()
    {
        Get("/api/runs/{id}/rejects");
        Policies(PolicyNames.Analyst);
        Description(d => d.WithTags("Runs")
            .Produces<Response>(StatusCodes.Status200OK, "application/json", Csv, Ndjson)
            .ProducesProblemDetails(StatusCodes.Status400BadRequest)
            .Produces(StatusCodes.Status401Unauthorized)
            .Produces(StatusCodes.Status403Forbidden)
            .ProducesProblemDetails(StatusCodes.Status404NotFound), clearDefaults: true);
        Summary(s =>
        {
            s.Summary = "The rows a run rejected, with the rules they broke";
            s.Description = "JSON pages by default (`afterId` from the previous page's `nextAfterId`). " +
                "With `Accept: text/csv` or `format=csv` every reject as CSV, with `Accept: application/x-ndjson` or " +
                "`format=ndjson` as NDJSON, both streamed.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var workspace = User.WorkspaceId();
        if (await catalog.Runs.GetAsync(workspace, req.Id, ct) is not { } run)
        {
            AddError(r => r.Id, "No run with this id in your workspace.");
            await Send.ErrorsAsync(StatusCodes.Status404NotFound, ct);
            return;
        }

        // Rejects are the dataset's rows: its PII columns are masked in them as in a query.
        var mask = await pii.ValueMaskAsync(User, run.Dataset, ct);

        switch (req.Format ?? FromAccept())
        {
            case "csv":
                await DownloadAsync(Csv, "csv", output => rejects.ExportCsvAsync(workspace, req.Id, output, mask.Reject, ct), req.Id);
                return;
            case "ndjson":
                await DownloadAsync(Ndjson, "ndjson", output => rejects.ExportNdjsonAsync(workspace, req.Id, output, mask.Reject, ct), req.Id);
                return;
        }

        var page = await rejects.ListAsync(workspace, req.Id, req.AfterId, req.Limit, req.Rule, ct);
        await Send.OkAsync(new Response([.. page.Items.Select(mask.Reject).Select(ToReject)], page.NextAfterId), ct);
    }

    private string? FromAccept()
    {
        var accepted = HttpContext.Request.GetTypedHeaders().Accept;
        // The first of the download types the client names wins; anything else gets JSON.
        foreach (var type in accepted.OrderByDescending(a => a.Quality ?? 1))
        {
            if (type.MediaType.Equals(Csv, StringComparison.OrdinalIgnoreCase))
            {
                return "csv";
            }

            if (type.MediaType.Equals(Ndjson, StringComparison.OrdinalIgnoreCase))
            {
                return "ndjson";
            }
        }

        return null;
    }

    private async Task DownloadAsync(string contentType, string extension, Func<Stream, Task> write, Guid runId)
    {
        var response = HttpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = contentType + "; charset=utf-8";
        response.Headers.ContentDisposition = new ContentDispositionHeaderValue("attachment")
        {
            FileName = $"rejects-{runId}.{extension}",
        }.ToString();
        await write(response.Body);
    }

    private static Reject ToReject(StoredReject reject)
    {
        // A JSON null rather than a nullable element: the document then still gives values a type.
        using var values = JsonDocument.Parse(reject.ValuesJson ?? "null");
        return new Reject(reject.Id, reject.Line, reject.Rules, reject.Message, values.RootElement.Clone(), reject.RawText, reject.CreatedAt);
    }
}
