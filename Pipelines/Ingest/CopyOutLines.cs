using System.Buffers.Binary;
using System.Text;
using Ductus.Core.Ingest;

namespace Ductus.Pipelines.Ingest;

/// <summary>
/// Turns PostgreSQL's binary COPY stream of (batch_id uuid, record json) rows into NDJSON lines
/// with the batch as the first key, each record's bytes going from the window to the file.
/// </summary>
internal static class CopyOutLines
{
    /// <summary>Bytes of a row before its record: field count, the uuid's length and bytes, the record's length.</summary>
    private const int RowHeader = 2 + 4 + 16 + 4;

    /// <summary>Writes every row of <paramref name="copy"/> to <paramref name="file"/>; the number of records.</summary>
    public static async Task<long> WriteAsync(Stream copy, FileStream file, CancellationToken ct)
    {
        var window = new ByteWindow();
        long records = 0;
        var header = true;
        Guid? lastBatch = null;
        var prefix = Array.Empty<byte>();
        while (true)
        {
            var available = window.Available.Span;
            int used;
            if (header)
            {
                used = HeaderLength(available);
                header = used == 0;
            }
            else if (available.Length >= 2 && BinaryPrimitives.ReadInt16BigEndian(available) == -1)
            {
                return records;
            }
            else if ((used = RowLength(available)) > 0)
            {
                var batch = new Guid(available.Slice(6, 16), bigEndian: true);
                if (batch != lastBatch)
                {
                    lastBatch = batch;
                    prefix = Encoding.UTF8.GetBytes($"{{\"{IngestSource.BatchColumn}\":\"{batch}\"");
                }

                file.Write(prefix);
                WriteMembers(file, available[RowHeader..used]);
                records++;
            }

            if (used > 0)
            {
                window.Consume(used);
            }
            else if (await window.FillAsync(copy, ct) == 0)
            {
                throw new InvalidDataException("The ingest buffer's COPY ended without its trailer.");
            }
        }
    }

    /// <summary>
    /// The length of the COPY header ("PGCOPY\n\xff\r\n\0", flags, then the header extension's
    /// length and bytes) at the start of <paramref name="available"/>, or 0 while it is incomplete.
    /// </summary>
    private static int HeaderLength(ReadOnlySpan<byte> available) =>
        available.Length >= 19 && available.Length >= 19 + BinaryPrimitives.ReadInt32BigEndian(available[15..])
            ? 19 + BinaryPrimitives.ReadInt32BigEndian(available[15..])
            : 0;

    /// <summary>The length of the (batch_id, record) row at the start of <paramref name="available"/>, or 0 while it is incomplete.</summary>
    private static int RowLength(ReadOnlySpan<byte> available)
    {
        if (available.Length < 2)
        {
            return 0;
        }

        var fields = BinaryPrimitives.ReadInt16BigEndian(available);
        if (fields != 2)
        {
            throw new InvalidDataException($"The ingest buffer's COPY sent a row of {fields} fields, not 2.");
        }

        if (available.Length < RowHeader)
        {
            return 0;
        }

        var length = RowHeader + BinaryPrimitives.ReadInt32BigEndian(available[(RowHeader - 4)..]);
        return available.Length >= length ? length : 0;
    }

    /// <summary>
    /// Writes the record's members after the batch column already written: a record is stored as
    /// the client sent it, one JSON object starting with "{" (the Api trims around it).
    /// </summary>
    private static void WriteMembers(FileStream file, ReadOnlySpan<byte> json)
    {
        var rest = json[1..].TrimStart(" \t\r\n"u8);
        if (rest.Length > 0 && rest[0] == (byte)'}')
        {
            file.Write("}\n"u8);
            return;
        }

        file.WriteByte((byte)',');
        file.Write(rest);
        file.WriteByte((byte)'\n');
    }
}
