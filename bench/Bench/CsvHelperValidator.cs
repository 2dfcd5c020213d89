using System.Globalization;
using System.Text.Json;
using CsvHelper;

namespace Ductus.Bench;

/// <summary>
/// What a team writes without Ductus: read the CSV row by row, check the same rules in C#,
/// write good rows to one file and bad rows, with their broken rules, to another.
/// </summary>
internal static class CsvHelperValidator
{
    public static Measurement Run(string csv, string outDir)
    {
        Directory.CreateDirectory(outDir);
        using var reader = CsvReader.FromFile(csv, new CsvReaderOptions());
        using var good = CsvWriter.ToFile(Path.Combine(outDir, "good.csv"), new CsvWriterOptions());
        using var badFile = new StreamWriter(Path.Combine(outDir, "bad.ndjson"));
        reader.ReadHeader();
        good.WriteHeader(["departed_at", "delay", "distance", "origin", "destination"]);

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

            if (!DateTime.TryParse(date, CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
            {
                broken.Add("departed_at.required");
            }

            if (long.TryParse(delayText, CultureInfo.InvariantCulture, out var delay))
            {
                if (delay < -1440 || delay > 2880)
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
                good.WriteRecord([date, delayText, distanceText, origin, destination]);
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
}
