using Ductus.Api.Ingest;

namespace Ductus.Api.Features.Datasets.Records;

/// <summary>An acknowledged push: the records are committed in the ingest buffer.</summary>
public sealed class Response
{
    /// <summary>Identifies the push: <c>GET /api/datasets/{name}/batches/{batchId}</c> follows it into the lake.</summary>
    public Guid BatchId { get; init; }

    /// <summary>Records the batch holds.</summary>
    public int Records { get; init; }

    public string Dataset { get; init; } = string.Empty;

    /// <summary>True when this answers a retry with an Idempotency-Key already used: nothing new was written.</summary>
    public bool Replayed { get; init; }

    public static Response From(IngestBatch batch, bool replayed) =>
        new() { BatchId = batch.Id, Records = batch.Records, Dataset = batch.Dataset, Replayed = replayed };
}
