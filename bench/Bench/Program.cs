using System.Diagnostics;
using Ductus.Bench;

// Each step runs in its own process (run.sh starts them) so peak memory is per step.
if (args.Length < 1)
{
    Console.Error.WriteLine("usage: Bench make-csv <flights.parquet> <out.csv> <rows> | duckdb-copy <csv> <outdir> | csvhelper <csv> <outdir> | ductus <csv> <outdir> | pipeline-profile <csv> <outdir> | ingest <api> <admin key> <db> [seconds] [copy seconds] [warm-up seconds] | query <api> <admin key> <stack.json> <data root> [rounds] [clients] [seconds] | model <api> <admin key> <data root> [rounds] | scale <api> <admin key> <stack.json> <csv> <rows> <source root> <memory limit> [rounds]");
    return 2;
}

int Arg(int i, int fallback) => args.Length > i ? int.Parse(args[i], System.Globalization.CultureInfo.InvariantCulture) : fallback;

if (args[0] == "ingest")
{
    // ingest <api url> <admin key> <database connection string> [seconds] [copy seconds] [warm-up seconds]
    return await IngestBench.RunAsync(args[1], args[2], args[3], TimeSpan.FromSeconds(Arg(4, 60)), TimeSpan.FromSeconds(Arg(5, 30)), TimeSpan.FromSeconds(Arg(6, 60)));
}

if (args[0] == "model")
{
    // model <api url> <admin key> <data root> [rounds]
    return await ModelBench.RunAsync(args[1], args[2], args[3], Arg(4, 3));
}

if (args[0] == "scale")
{
    // scale <api url> <admin key> <stack.json> <csv> <rows> <source root> <memory limit> [rounds]
    return await ScaleBench.RunAsync(args[1], args[2], args[3], args[4], long.Parse(args[5], System.Globalization.CultureInfo.InvariantCulture), args[6], args[7], Arg(8, 5));
}

if (args[0] == "pipeline-profile")
{
    // pipeline-profile <csv> <outdir>
    return await PipelineProfile.RunAsync(args[1], args[2]);
}

if (args[0] == "query")
{
    // query <api url> <admin key> <stack.json> <data root> [rounds] [clients] [cached seconds]
    return await QueryBench.RunAsync(args[1], args[2], args[3], args[4], Arg(5, 7), Arg(6, 50), Arg(7, 10));
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
