using System.Globalization;
using System.Text.Json;
using CsvHelper;
using ParquetSharp;

namespace Ductus.Bench;

/// <summary>
/// What a team writes without Ductus: read the CSV row by row with CsvHelper, check the same
/// rules in C#, write good rows to zstd Parquet (ParquetSharp, the native Arrow writer — the
/// fastest Parquet writer .NET has) and bad rows, with their broken rules, to NDJSON. The same
/// good/bad output as the engine, so the comparison is about the work, not the file format.
/// </summary>
internal static class CsvHelperValidator
{
    private const int RowGroupRows = 1 << 20;

    public static Measurement Run(string csv, string outDir)
    {
        Directory.CreateDirectory(outDir);
        using var reader = CsvReader.FromFile(csv, new CsvReaderOptions());
        using var badFile = new StreamWriter(Path.Combine(outDir, "bad.ndjson"));
        using var good = new GoodRows(Path.Combine(outDir, "good.parquet"));
        reader.ReadHeader();

        long rows = 0, goodRows = 0, badRows = 0;
        var broken = new List<string>(6);
        while (reader.Read())
        {
            rows++;
            broken.Clear();
            var date = reader.GetString(0);
            var delayText = reader.GetString(1);
            var distanceText = reader.GetString(2);
            var origin = reader.GetString(3);
            var destination = reader.GetString(4);

            if (!DateTime.TryParse(date, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var departed))
            {
                broken.Add("departed_at.required");
            }

            long? delay = null;
            if (long.TryParse(delayText, CultureInfo.InvariantCulture, out var d))
            {
                delay = d;
                if (d < -1440 || d > 2880)
                {
                    broken.Add("delay.range");
                }
            }
            else if (delayText.Length > 0)
            {
                broken.Add("delay.type");
            }

            if (!long.TryParse(distanceText, CultureInfo.InvariantCulture, out var distance) || distance < 1)
            {
                broken.Add("distance.min");
            }

            if (!IsAirport(origin))
            {
                broken.Add("origin.pattern");
            }

            if (!IsAirport(destination))
            {
                broken.Add("destination.pattern");
            }

            if (origin == destination)
            {
                broken.Add("different_airports");
            }

            if (broken.Count == 0)
            {
                goodRows++;
                good.Add(departed, delay, distance, origin, destination);
            }
            else
            {
                badRows++;
                badFile.WriteLine(JsonSerializer.Serialize(new { line = rows + 1, rules = broken, values = new { date, delay = delayText, distance = distanceText, origin, destination } }));
            }
        }

        return new Measurement("csvhelper", rows, 0, 0, goodRows, badRows);
    }

    private static bool IsAirport(string code) =>
        code.Length == 3 && char.IsAsciiLetterUpper(code[0]) && char.IsAsciiLetterUpper(code[1]) && char.IsAsciiLetterUpper(code[2]);

    /// <summary>Buffers one row group column by column, as a Parquet writer needs it.</summary>
    private sealed class GoodRows : IDisposable
    {
        private readonly ParquetFileWriter file;
        private readonly DateTime[] departed = new DateTime[RowGroupRows];
        private readonly long?[] delay = new long?[RowGroupRows];
        private readonly long[] distance = new long[RowGroupRows];
        private readonly string[] origin = new string[RowGroupRows];
        private readonly string[] destination = new string[RowGroupRows];
        private int count;

        public GoodRows(string path)
        {
            Column[] columns =
            [
                new Column<DateTime>("departed_at"),
                new Column<long?>("delay"),
                new Column<long>("distance"),
                new Column<string>("origin"),
                new Column<string>("destination"),
            ];
            file = new ParquetFileWriter(path, columns, Compression.Zstd);
        }

        public void Add(DateTime departedAt, long? delayMinutes, long miles, string from, string to)
        {
            departed[count] = departedAt;
            delay[count] = delayMinutes;
            distance[count] = miles;
            origin[count] = from;
            destination[count] = to;
            if (++count == RowGroupRows)
            {
                Flush();
            }
        }

        public void Dispose()
        {
            Flush();
            file.Close();
            file.Dispose();
        }

        private void Flush()
        {
            if (count == 0)
            {
                return;
            }

            using var group = file.AppendRowGroup();
            Write(group, departed);
            Write(group, delay);
            Write(group, distance);
            Write(group, origin);
            Write(group, destination);
            count = 0;
        }

        private void Write<T>(RowGroupWriter group, T[] values)
        {
            using var writer = group.NextColumn().LogicalWriter<T>();
            writer.WriteBatch(values, 0, count);
        }
    }
}
