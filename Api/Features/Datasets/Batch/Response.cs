using Ductus.Api.Ingest;

namespace Ductus.Api.Features.Datasets.Batch;

/// <summary>A pushed batch and where its records went.</summary>
public sealed class Response
{
    public Guid BatchId { get; init; }

    public string Dataset { get; init; } = string.Empty;

    /// <summary><c>buffered</c> (acknowledged, waiting for its drain) or <c>loaded</c> (drained by <see cref="RunId"/>).</summary>
    public string Status { get; init; } = string.Empty;

    public int Records { get; init; }

    public long Bytes { get; init; }

    /// <summary><c>json</c>, <c>ndjson</c> or <c>csv</c>.</summary>
    public string Format { get; init; } = string.Empty;

    public string? IdempotencyKey { get; init; }

    public DateTimeOffset ReceivedAt { get; init; }

    public DateTimeOffset? LoadedAt { get; init; }

    /// <summary>The run whose snapshot holds the batch's good records; its rejects are at <c>/api/runs/{runId}/rejects</c>.</summary>
    public Guid? RunId { get; init; }

    /// <summary>Of this batch's records, how many the contract rejected (their rejects carry <c>ingest_batch_id</c>); null while buffered.</summary>
    public long? RowsRejected { get; init; }

    /// <summary>Of this batch's records, how many reached the lake; null while buffered.</summary>
    public long? RowsLoaded { get; init; }

    public static Response From(IngestBatch b) => new()
    {
        BatchId = b.Id,
        Dataset = b.Dataset,
        Status = b.ConsumedAt is null ? "buffered" : "loaded",
        Records = b.Records,
        Bytes = b.Bytes,
        Format = b.Format,
        IdempotencyKey = b.IdempotencyKey,
        ReceivedAt = b.ReceivedAt,
        LoadedAt = b.ConsumedAt,
        RunId = b.RunId,
        RowsRejected = b.RowsRejected,
        RowsLoaded = b.RowsRejected is { } rejected ? b.Records - rejected : null,
    };
}
