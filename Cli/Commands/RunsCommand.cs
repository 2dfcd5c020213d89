using System.Globalization;
using System.Text.Json;
using Ductus.Cli.Api;
using Ductus.Pipelines;

namespace Ductus.Cli.Commands;

/// <summary><c>ductus runs</c>: <c>GET /api/runs</c>, newest first, as a table or the Api's JSON.</summary>
internal static class RunsCommand
{
    private static readonly string[] Statuses = ["queued", "running", "succeeded", "failed", "cancelled"];

    public static readonly Command Definition = new(
        "runs",
        "List runs, newest first",
        """
        usage: ductus runs [--pipeline NAME] [--status S] [--limit N] [--json]

          --pipeline NAME  only runs of this pipeline
          --status S       only runs in this status: queued, running, succeeded, failed or cancelled
          --limit N        how many (1 to 500, default 20)
          --json           the Api's JSON page instead of a table
        """ + ApiHelp.Options,
        [.. ApiSession.Options, "pipeline", "status", "limit"],
        ["json"],
        RunAsync);

    private static async Task<int> RunAsync(CommandLine args, CliContext context, CancellationToken ct)
    {
        args.ExpectPositionals();
        var limit = args.Number("limit", 1, 500) ?? 20;
        var query = $"/api/runs?limit={limit}";
        if (args.Option("pipeline") is { } pipeline)
        {
            query += "&pipeline=" + Uri.EscapeDataString(pipeline);
        }

        if (args.Option("status") is not null)
        {
            query += "&status=" + args.Choice("status", Statuses, "");
        }

        using var api = await ApiSession.OpenAsync(args, context, ct);
        using var response = await api.SendAsync(() => new HttpRequestMessage(HttpMethod.Get, new Uri(query, UriKind.Relative)), ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        if (args.Flag("json"))
        {
            await context.Output.WriteLineAsync(body);
            return ExitCodes.Ok;
        }

        using var page = JsonDocument.Parse(body);
        var runs = page.RootElement.GetProperty("items").EnumerateArray().ToList();
        if (runs.Count == 0)
        {
            await context.Output.WriteLineAsync("no runs");
            return ExitCodes.Ok;
        }

        await context.Output.WriteAsync(TextTable.Format(
            ["RUN", "PIPELINE", "STATUS", "TRIGGER", "READ", "LOADED", "REJECTED", "SNAPSHOT", "CREATED"],
            runs.Select(r => (IReadOnlyList<string>)
            [
                r.GetProperty("id").GetString()!,
                r.GetProperty("pipeline").GetString()!,
                r.GetProperty("status").GetString()!,
                r.GetProperty("trigger").GetString()!,
                Count(r, "rowsRead"),
                Count(r, "rowsLoaded"),
                Count(r, "rowsRejected"),
                r.GetProperty("snapshotVersion") is { ValueKind: JsonValueKind.Number } v ? "v" + v.GetInt64().ToString(CultureInfo.InvariantCulture) : "-",
                r.GetProperty("createdAt").GetDateTimeOffset().ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ])));
        return ExitCodes.Ok;
    }

    private static string Count(JsonElement run, string name) => run.GetProperty(name).GetInt64().ToString("N0", CultureInfo.InvariantCulture);
}
