using System.Globalization;
using System.Text.Json;
using Ductus.Cli.Api;
using Ductus.Pipelines;

namespace Ductus.Cli.Commands;

/// <summary><c>ductus rejects RUN</c>: the rows a run's contract refused, with the rules they broke.</summary>
internal static class RejectsCommand
{
    private static readonly string[] Formats = ["table", "json", "csv", "ndjson"];

    public static readonly Command Definition = new(
        "rejects",
        "Show the rows a run rejected and the rules they broke",
        """
        usage: ductus rejects RUN_ID [--format table|json|csv|ndjson] [--limit N]

          RUN_ID           the run's id (ductus runs lists them)
          --format F       table (default: line, rules, message), json (one page as the Api returns it),
                           csv or ndjson (every reject, streamed, with the original values)
          --limit N        rows for table and json (1 to 1000, default 100)
        """ + ApiHelp.Options,
        [.. ApiSession.Options, "format", "limit"],
        [],
        RunAsync);

    private static async Task<int> RunAsync(CommandLine args, CliContext context, CancellationToken ct)
    {
        args.ExpectPositionals("RUN_ID");
        if (!Guid.TryParse(args.Positional[0], out var run))
        {
            throw new UsageException($"RUN_ID must be a run's id (a UUID), not '{args.Positional[0]}'.");
        }

        var format = args.Choice("format", Formats, "table");
        var limit = args.Number("limit", 1, 1000) ?? 100;
        var query = format is "csv" or "ndjson" ? $"?format={format}" : $"?limit={limit}";
        using var api = await ApiSession.OpenAsync(args, context, ct);
        using var response = await api.SendAsync(() => new HttpRequestMessage(HttpMethod.Get, new Uri($"/api/runs/{run}/rejects{query}", UriKind.Relative)), ct);
        if (format != "table")
        {
            // Streamed: a run may have rejected millions of rows.
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
            while (await reader.ReadLineAsync(ct) is { } line)
            {
                await context.Output.WriteLineAsync(line);
            }

            return ExitCodes.Ok;
        }

        using var page = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(ct), cancellationToken: ct);
        var rejects = page.RootElement.GetProperty("items").EnumerateArray().ToList();
        if (rejects.Count == 0)
        {
            await context.Output.WriteLineAsync($"run {run} rejected no rows");
            return ExitCodes.Ok;
        }

        await context.Output.WriteAsync(TextTable.Format(
            ["LINE", "RULES", "MESSAGE"],
            rejects.Select(r => (IReadOnlyList<string>)
            [
                r.GetProperty("line") is { ValueKind: JsonValueKind.Number } line ? line.GetInt64().ToString(CultureInfo.InvariantCulture) : "-",
                string.Join(",", r.GetProperty("rules").EnumerateArray().Select(x => x.GetString())),
                r.GetProperty("message").GetString() ?? string.Empty,
            ])));
        if (page.RootElement.GetProperty("nextAfterId").ValueKind == JsonValueKind.Number)
        {
            await context.Output.WriteLineAsync($"… more than {limit}: raise --limit, or --format csv for every reject");
        }

        return ExitCodes.Ok;
    }
}
