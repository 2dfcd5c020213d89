using System.Globalization;
using System.Text.Json;
using Ductus.Api.Auth;
using Ductus.Api.Pii;
using Ductus.Core.Catalog;
using Ductus.Core.DataContracts;
using FastEndpoints;

namespace Ductus.Api.Features.Runs.WhatIf;

public sealed class Endpoint(CatalogStore catalog, RejectRuleStats stats, PiiAccess pii) : LookupEndpoint<Request, Response>
{
    /// <summary>Most rejects one what-if re-checks; more are reported as capped.</summary>
    public const int Cap = 100_000;

    public override void Configure()
    {
        Post("/api/runs/{id}/rejects/what-if");
        // Analyst: it reads rejects and changes nothing; the edited rule exists only for this request.
        Policies(PolicyNames.Analyst);
        Description(d => d.WithTags("Runs")
            .Produces<Response>(StatusCodes.Status200OK, "application/json")
            .ProducesProblemDetails(StatusCodes.Status400BadRequest)
            .ProducesAuthFailures()
            .ProducesProblemDetails(StatusCodes.Status404NotFound)
            .ProducesProblemDetails(StatusCodes.Status409Conflict), clearDefaults: true);
        Summary(s =>
        {
            s.Summary = "Dry-run an edited rule against a run's rejects";
            s.Description = "Re-checks the rejects that broke `rule` against the contract of the spec version the run used, with " +
                "`rule` given the new `definition` (every other rule still applies), and says how many would now pass. Nothing is saved.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var workspace = User.WorkspaceId();
        if (await FoundOr404Async(await catalog.Runs.GetAsync(workspace, req.Id, ct), r => r.Id, "No run with this id in your workspace.", ct) is not { } run)
        {
            return;
        }

        var spec = await RunSpec.LoadAsync(catalog, workspace, run, ct);
        if (spec.Spec?.Contract is not { } contract)
        {
            AddError(r => r.Id, spec.Spec is null ? "The spec this run used is no longer stored." : "The spec this run used has no contract.");
            await Send.ErrorsAsync(StatusCodes.Status409Conflict, ct);
            return;
        }

        var edit = RuleEdit.Apply(contract, req.Rule, req.Definition);
        if (edit.Contract is null)
        {
            await RefuseAsync(edit.Field!, edit.Error!, ct);
            return;
        }

        var rejects = await stats.ReadValuesAsync(workspace, run.Id, req.Rule, Cap + 1, ct);
        var capped = rejects.Count > Cap;
        var evaluated = capped ? rejects.Take(Cap).ToList() : rejects;
        RecheckOutcome outcome;
        try
        {
            outcome = await RejectRecheck.RunAsync(edit.Contract, evaluated, RejectRecheck.TimeLimit, ct);
        }
        catch (RecheckRefusedException ex)
        {
            await RefuseAsync("definition", ex.Message, ct);
            return;
        }

        var mask = await pii.ValueMaskAsync(User, run.Dataset, ct);
        await Send.OkAsync(new Response(
            req.Rule,
            ContractRules.List(edit.Contract).FirstOrDefault(r => r.Name == req.Rule)?.Definition,
            spec.Version,
            outcome.Evaluated,
            outcome.Evaluated - outcome.StillFailing,
            outcome.StillFailing,
            [.. outcome.ByRule.Select(r => new RuleCount(r.Rule, r.Count))],
            [.. outcome.Samples.Select(s => new Sample(s.Id, Parse(mask.ValuesJson(s.ValuesJson)!), s.Rules, mask.Text(s.Message, s.ValuesJson) ?? mask.Redacted(s.Message)))],
            capped,
            Notes(edit.Contract, capped)), ct);
    }

    private async Task RefuseAsync(string field, string reason, CancellationToken ct)
    {
        AddError(field == "rule" ? r => r.Rule : r => r.Definition!, reason);
        await Send.ErrorsAsync(StatusCodes.Status400BadRequest, ct);
    }

    private static List<string> Notes(Core.Specs.ContractSpec contract, bool capped)
    {
        var notes = new List<string>();
        if (contract.UniqueKey.Count > 0 || contract.Columns.Any(c => c.Unique))
        {
            notes.Add("unique and unique_key are judged among the re-checked rejects only, not against the rows the run loaded");
        }

        if (capped)
        {
            notes.Add($"only the first {Cap.ToString(CultureInfo.InvariantCulture)} rejects of the rule were re-checked");
        }

        return notes;
    }

    private static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
