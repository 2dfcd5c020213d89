using System.Diagnostics;
using Ductus.Bench;

// Each step runs in its own process (run.sh starts them) so peak memory is per step.
if (args.Length < 1)
{
    Console.Error.WriteLine("usage: Bench make-csv <flights.parquet> <out.csv> <rows> | duckdb-copy <csv> <outdir> | csvhelper <csv> <outdir> | ductus <csv> <outdir>");
    return 2;
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
