namespace Ductus.Core.Ingest;

/// <summary>
/// The ingest source's rows as both services see them: runs add the batch column to every record
/// they drain, and the Api counts a batch's rejected rows by it.
/// </summary>
public static class IngestSource
{
    /// <summary>
    /// The column every drained record carries: the batch (request) it came in, so rejects and
    /// loaded rows can be traced to the request that sent them.
    /// </summary>
    public const string BatchColumn = "ingest_batch_id";
}

/// <summary>
/// The buffer's slots (migration 0014): a push writes into the ring slot of its time, and a ring
/// slot whose batches are all consumed is emptied with TRUNCATE; batches still waiting when their
/// slot comes round again move to the overflow slot, whose rows are deleted as they are consumed.
/// </summary>
public static class IngestSlots
{
    /// <summary>Ring slots are 0 to <c>Ring - 1</c>; each is written for 10 s of every 80.</summary>
    public const short Ring = 8;

    public const short Overflow = 8;
}
