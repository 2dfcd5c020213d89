using System.Diagnostics;
using Ductus.Bench;

// Each step runs in its own process (run.sh starts them) so peak memory is per step.
if (args.Length < 1)
{
    Console.Error.WriteLine("usage: Bench make-csv <flights.parquet> <out.csv> <rows> | duckdb-copy <csv> <outdir> | csvhelper <csv> <outdir> | ductus <csv> <outdir> | ingest <api> <admin key> <db> [seconds] [copy seconds]");
    return 2;
}

if (args[0] == "ingest")
{
    // ingest <api url> <admin key> <database connection string> [seconds] [copy seconds]
    var seconds = args.Length > 4 ? int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture) : 60;
    var copySeconds = args.Length > 5 ? int.Parse(args[5], System.Globalization.CultureInfo.InvariantCulture) : 30;
    return await IngestBench.RunAsync(args[1], args[2], args[3], TimeSpan.FromSeconds(seconds), TimeSpan.FromSeconds(copySeconds));
}

var clock = Stopwatch.StartNew();
Measurement result = args[0] switch
{
    "make-csv" => await FlightsCsv.MakeAsync(args[1], args[2], long.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture)),
    "duckdb-copy" => await RawDuckDb.CopyAsync(args[1], args[2]),
    "csvhelper" => CsvHelperValidator.Run(args[1], args[2]),
    "ductus" => await DuctusPipeline.RunAsync(args[1], args[2]),
    _ => throw new ArgumentException($"unknown mode '{args[0]}'"),
};
result = result with { Seconds = clock.Elapsed.TotalSeconds, PeakMegabytes = Measurement.PeakResidentMegabytes() };
result.Print();
return 0;
