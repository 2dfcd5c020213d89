namespace Ductus.Core.Ingest;

/// <summary>
/// The unread part of a stream, held in one buffer that grows only when a single item (a line, a
/// COPY row) outgrows it. A span or memory taken from <see cref="Available"/> stays valid until
/// the next <see cref="FillAsync"/>, so items can be handed on without being copied.
/// </summary>
public sealed class ByteWindow
{
    private byte[] _buffer = new byte[1 << 16];
    private int _start;
    private int _end;

    public ReadOnlyMemory<byte> Available => _buffer.AsMemory(_start, _end - _start);

    /// <summary>Marks the first <paramref name="count"/> available bytes as read.</summary>
    public void Consume(int count) => _start += count;

    /// <summary>Reads more of the stream behind what is available; 0 at its end.</summary>
    public async ValueTask<int> FillAsync(Stream stream, CancellationToken ct)
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        var read = await stream.ReadAsync(_buffer.AsMemory(_end), ct);
        _end += read;
        return read;
    }
}
