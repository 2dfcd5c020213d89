using Ductus.Api.Auth;
using Ductus.Api.Ingest;
using FastEndpoints;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Ductus.Api.Features.Datasets.Records;

public sealed class Endpoint(IngestWriter buffer, SharedDoorChecks doors, IngestNotifier notifier, IOptions<IngestOptions> options, TimeProvider time) : EndpointWithoutRequest<Response>
{
    private const string IdempotencyHeader = "Idempotency-Key";

    private static readonly TimeSpan PacePoll = TimeSpan.FromMilliseconds(100);

    public override void Configure()
    {
        Post("/api/datasets/{name}/records");
        Policies(PolicyNames.Ingest);
        Description(d => d.WithTags("Datasets")
            // The body is read by hand (streamed into COPY); "*/*" lets other types reach the handler's 415.
            .Accepts<List<Dictionary<string, object>>>("application/json", [.. IngestFormats.NdjsonTypes, .. IngestFormats.CsvTypes, "*/*"])
            .Produces<Response>(StatusCodes.Status202Accepted, "application/json")
            .Produces<Response>(StatusCodes.Status200OK, "application/json")
            .ProducesProblemDetails(StatusCodes.Status400BadRequest)
            .Produces(StatusCodes.Status401Unauthorized)
            .Produces(StatusCodes.Status403Forbidden)
            .ProducesProblemDetails(StatusCodes.Status404NotFound)
            .ProducesProblemDetails(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblemDetails(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblemDetails(StatusCodes.Status503ServiceUnavailable), clearDefaults: true);
        Summary(s =>
        {
            s.Summary = "Push records into a dataset";
            s.Description = "A JSON array of objects (`application/json`), one object a line (`application/x-ndjson`) or CSV with a header " +
                "(`text/csv`). 202 only once the records are committed in the ingest buffer; the dataset's ingest pipeline (a spec with " +
                "`source: { kind: ingest }` targeting it, else 404) drains them through its contract into the lake within seconds. " +
                "Send an `Idempotency-Key` header to make retries safe: a key already used for this dataset answers 200 with the " +
                "original batch and writes nothing. 503 with Retry-After while the dataset's buffer is full.";
        });
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        var dataset = Route<string>("name")!;
        var limits = options.Value;
        var format = MediaTypeHeaderValue.TryParse(HttpContext.Request.ContentType, out var type) ? IngestFormats.FromMediaType(type.MediaType.Value) : null;
        if (format is not { } bodyFormat)
        {
            await RefuseAsync(StatusCodes.Status415UnsupportedMediaType, "content-type",
                "Send records as application/json (an array of objects), application/x-ndjson or text/csv.", ct);
            return;
        }

        if (HttpContext.Request.ContentLength > limits.MaxBodyBytes)
        {
            await RefuseAsync(StatusCodes.Status413PayloadTooLarge, "body",
                $"has {HttpContext.Request.ContentLength} bytes; a push may have at most {limits.MaxBodyBytes} (split it into batches).", ct);
            return;
        }

        var workspace = User.WorkspaceId();
        var door = await doors.CheckAsync(workspace, dataset, ct);
        if (door.Pipeline is not { } pipeline)
        {
            await RefuseAsync(StatusCodes.Status404NotFound, "name",
                $"No ingest pipeline loads dataset '{dataset}' in your workspace: create one with source kind 'ingest' and target dataset '{dataset}' first.", ct);
            return;
        }

        var key = HttpContext.Request.Headers[IdempotencyHeader].ToString();
        key = string.IsNullOrWhiteSpace(key) ? null : key.Trim();
        if (key is { Length: > 200 })
        {
            await RefuseAsync(StatusCodes.Status400BadRequest, "idempotency-key", "must be at most 200 characters.", ct);
            return;
        }

        // A retry of an acknowledged push gets its answer even when the buffer is full.
        if (key is not null && await buffer.FindByKeyAsync(workspace, dataset, key, ct) is { } earlier)
        {
            await SendBatchAsync(dataset, earlier, replayed: true, ct);
            return;
        }

        door = await PaceAsync(workspace, dataset, door, limits, ct);
        if (door.BufferedRecords >= limits.MaxBufferedRecords)
        {
            door = await doors.CheckAsync(workspace, dataset, ct, fresh: true);
        }

        if (door.BufferedRecords >= limits.MaxBufferedRecords)
        {
            HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(limits.RetryAfter.TotalSeconds)).ToString(global::System.Globalization.CultureInfo.InvariantCulture);
            await RefuseAsync(StatusCodes.Status503ServiceUnavailable, "name",
                $"Dataset '{dataset}' has {limits.MaxBufferedRecords} or more records waiting to be loaded; retry after {limits.RetryAfter.TotalSeconds:0} s.", ct);
            return;
        }

        if (HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size && (size.MaxRequestBodySize ?? long.MaxValue) > limits.MaxBodyBytes)
        {
            size.MaxRequestBodySize = limits.MaxBodyBytes;
        }

        var body = new CountingStream(HttpContext.Request.Body, limits.MaxBodyBytes);
        IngestBatch batch;
        bool created;
        try
        {
            (batch, created) = await buffer.WriteAsync(workspace, dataset, IngestFormats.Name(bodyFormat), key,
                IngestFormats.ReadAsync(bodyFormat, body, ct), () => body.BytesRead, door.Slot, ct);
        }
        catch (IngestFormatException e)
        {
            await RefuseAsync(StatusCodes.Status400BadRequest, e.Where, e.Reason, ct);
            return;
        }
        catch (Exception e) when (e is BodyTooLargeException || e is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge })
        {
            await RefuseAsync(StatusCodes.Status413PayloadTooLarge, "body", $"grew past {limits.MaxBodyBytes} bytes, the most a push may have (split it into batches).", ct);
            return;
        }

        if (created)
        {
            doors.Wrote(workspace, dataset, batch.Records, batch.ReceivedAt);
            notifier.Buffered(workspace, dataset, pipeline);
        }

        await SendBatchAsync(dataset, batch, replayed: !created, ct);
    }

    /// <summary>
    /// While the drains lag behind by more than <see cref="IngestOptions.PaceAfterLag"/>, holds the
    /// push (nothing is written yet) until they catch up or <see cref="IngestOptions.MaxPaceDelay"/>
    /// has passed. Acknowledging faster than the lake loads only grows the lag; pacing keeps
    /// freshness bounded under any load without refusing anybody.
    /// </summary>
    private async Task<IngestWriter.Door> PaceAsync(Guid workspace, string dataset, IngestWriter.Door door, IngestOptions limits, CancellationToken ct)
    {
        if (limits.PaceAfterLag <= TimeSpan.Zero)
        {
            return door;
        }

        var until = time.GetUtcNow() + limits.MaxPaceDelay;
        while (door.Lag(time.GetUtcNow()) > limits.PaceAfterLag && time.GetUtcNow() < until)
        {
            await Task.Delay(PacePoll, time, ct);
            door = await doors.CheckAsync(workspace, dataset, ct);
        }

        return door;
    }

    private async Task SendBatchAsync(string dataset, IngestBatch batch, bool replayed, CancellationToken ct)
    {
        HttpContext.Response.Headers.Location = $"/api/datasets/{Uri.EscapeDataString(dataset)}/batches/{batch.Id}";
        await Send.ResponseAsync(Response.From(batch, replayed), replayed ? StatusCodes.Status200OK : StatusCodes.Status202Accepted, ct);
    }

    private async Task RefuseAsync(int status, string field, string reason, CancellationToken ct)
    {
        ValidationFailures.Add(new(field, reason));
        await Send.ErrorsAsync(status, ct);
    }

    private sealed class BodyTooLargeException() : IOException("The request body is larger than the ingest limit.");

    /// <summary>Counts what the parser reads and stops it past the limit, for bodies sent without a Content-Length.</summary>
    private sealed class CountingStream(Stream inner, long limit) : Stream
    {
        public long BytesRead { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private int Count(int read)
        {
            BytesRead += read;
            return BytesRead > limit ? throw new BodyTooLargeException() : read;
        }
    }
}
