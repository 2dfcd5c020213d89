using Ductus.Api.Auth;
using Ductus.Api.Pii;
using Ductus.Core.Catalog;
using Ductus.Core.DataContracts;
using FastEndpoints;

namespace Ductus.Api.Features.Runs.RejectSummary;

public sealed class Endpoint(CatalogStore catalog, RejectRuleStats stats, PiiAccess pii) : LookupEndpoint<RunIdRequest, Response>
{
    public override void Configure()
    {
        Get("/api/runs/{id}/rejects/summary");
        Policies(PolicyNames.Analyst);
        Description(d => d.WithTags("Runs")
            .Produces<Response>(StatusCodes.Status200OK, "application/json")
            .ProducesAuthFailures()
            .ProducesProblemDetails(StatusCodes.Status404NotFound), clearDefaults: true);
        Summary(s =>
        {
            s.Summary = "A run's rejects grouped by the rule they broke";
            s.Description = "Per rule: how many rejects broke it, one message, its definition in the spec version the run used, " +
                "and the commonest values of its column. Page a rule's rows with `GET /api/runs/{id}/rejects?rule=`.";
        });
    }

    public override async Task HandleAsync(RunIdRequest req, CancellationToken ct)
    {
        var workspace = User.WorkspaceId();
        if (await FoundOr404Async(await catalog.Runs.GetAsync(workspace, req.Id, ct), r => r.Id, "No run with this id in your workspace.", ct) is not { } run)
        {
            return;
        }

        var spec = await RunSpec.LoadAsync(catalog, workspace, run, ct);
        var summary = await stats.SummarizeAsync(workspace, run.Id, ct);
        var mask = await pii.ValueMaskAsync(User, run.Dataset, ct);
        var rules = summary.Rules.Select(g =>
        {
            var rule = ContractRules.Describe(g.Rule, spec.Spec?.Contract);
            // A PII column's top values are masked like its values (equal values still group
            // together under one hash); messages quote a value, so their literals go too.
            var column = mask.Column(rule.Column);
            return new RuleGroup(g.Rule, rule.Column, rule.Check, rule.Definition, rule.Description, g.Count, mask.Redacted(g.Message),
                [.. g.TopValues.Select(v => new ValueCount(column is null ? v.Value : mask.Value(column, v.Value), v.Count))]);
        });
        await Send.OkAsync(new Response(run.Id, run.Pipeline, run.Dataset, spec.Version, summary.Total, summary.ParseFailures, [.. rules]), ct);
    }
}
