using System.Net.Http.Headers;
using System.Net.Http.Json;
using Ductus.Cli.Api;
using Ductus.Core.Contracts;
using Ductus.Pipelines;

namespace Ductus.Cli.Commands;

/// <summary><c>ductus query "SQL"</c>: <c>POST /api/query</c>, the result in the format asked for, to the console or a file.</summary>
internal static class QueryCommand
{
    private static readonly string[] Formats = ["json", "csv", "ndjson", "parquet"];

    public static readonly Command Definition = new(
        "query",
        "Run a read-only SQL query over the workspace's datasets",
        """
        usage: ductus query "SQL" [--format json|csv|ndjson|parquet] [--out FILE] [--limit N]

          SQL              one read-only SELECT; datasets are tables by name (SELECT * FROM flights)
          --format F       json (default: {columns, rows, truncated}), csv, ndjson or parquet
          --out FILE       write the result to FILE instead of the console (required for parquet)
          --limit N        most rows to return (1 to 1000000; the server caps it too)
        """ + ApiHelp.Options,
        [.. ApiSession.Options, "format", "out", "limit"],
        [],
        RunAsync);

    private static async Task<int> RunAsync(CommandLine args, CliContext context, CancellationToken ct)
    {
        args.ExpectPositionals("SQL");
        var format = QueryResultFormats.Parse(args.Choice("format", Formats, "json"))!.Value;
        var limit = args.Number("limit", 1, 1_000_000);
        var outFile = args.Option("out");
        if (format == QueryResultFormat.Parquet && outFile is null)
        {
            throw new UsageException("--format parquet writes a binary file: give it --out FILE.");
        }

        using var api = await ApiSession.OpenAsync(args, context, ct);
        using var response = await api.SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/query", UriKind.Relative))
            {
                Content = JsonContent.Create(new { sql = args.Positional[0], limit }),
            };
            request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse(QueryResultFormats.ContentType(format)));
            return request;
        }, ct);

        if (outFile is null)
        {
            var text = await response.Content.ReadAsStringAsync(ct);
            await context.Output.WriteAsync(text);
            if (!text.EndsWith('\n'))
            {
                await context.Output.WriteLineAsync();
            }

            return ExitCodes.Ok;
        }

        // Written beside the target and moved over it, so a failed download never leaves half a file under the name.
        var partial = outFile + ".partial";
        await using (var file = File.Create(partial))
        {
            await response.Content.CopyToAsync(file, ct);
        }

        File.Move(partial, outFile, overwrite: true);
        await context.Output.WriteLineAsync($"wrote {new FileInfo(outFile).Length:N0} bytes to {outFile}");
        return ExitCodes.Ok;
    }
}
