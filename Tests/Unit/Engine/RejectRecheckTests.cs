using Ductus.Api.Features.Runs.WhatIf;
using Ductus.Core.Catalog;
using Ductus.Core.Specs;

namespace Ductus.Tests.Unit.Engine;

public sealed class RejectRecheckTests
{
    private static ContractSpec Contract(string rowRule) => EngineScratch.Parse($$"""
        name: amounts
        source: { kind: csv, path: amounts.csv }
        contract:
          unique_key: [id]
          columns:
            id:     { type: integer, required: true }
            amount: { type: integer, min: 0 }
          rules:
            - name: sane
              sql: "{{rowRule}}"
        target: { dataset: amounts }
        """).Contract!;

    // As a transform that read every column as text leaves them: amount is checked and cast again.
    private static readonly RejectValues[] Rejects =
    [
        new(1, """{"id": 1, "amount": "-5", "note": "a"}"""),
        new(2, """{"id": 2, "amount": "ten", "note": null}"""),
        new(3, """{"id": 3, "amount": "5", "note": "c"}"""),
        new(4, """{"id": 3, "amount": "6", "note": "d"}"""),
    ];

    [Fact]
    public async Task Stored_values_are_typed_and_checked_with_every_rule_of_the_contract()
    {
        var outcome = await RejectRecheck.RunAsync(Contract("TRY_CAST(amount AS INTEGER) < 100"), Rejects, RejectRecheck.TimeLimit, CancellationToken.None);

        Assert.Equal(4, outcome.Evaluated);
        Assert.Equal(4, outcome.StillFailing);
        Assert.Equal([("unique_key", 2L), ("amount.min", 1L), ("amount.type", 1L)], outcome.ByRule);
        Assert.Equal([1L, 2L, 3L, 4L], outcome.Samples.Select(s => s.Id));
        Assert.Equal("amount '-5' is below min 0", outcome.Samples[0].Message);
        Assert.Equal("amount 'ten' is not a valid integer", outcome.Samples[1].Message);
        Assert.Equal("""{"id": 2, "amount": "ten", "note": null}""", outcome.Samples[1].ValuesJson);
        Assert.Equal(["unique_key"], outcome.Samples[3].Rules);
    }

    [Fact]
    public async Task Rejects_that_keep_every_rule_would_pass()
    {
        var outcome = await RejectRecheck.RunAsync(Contract("note IS NOT NULL"), [Rejects[2]], RejectRecheck.TimeLimit, CancellationToken.None);

        Assert.Equal((1L, 0L), (outcome.Evaluated, outcome.StillFailing));
        Assert.Empty(outcome.Samples);
    }

    [Fact]
    public async Task A_rule_that_runs_past_the_time_limit_is_interrupted()
    {
        var slow = Contract("(SELECT sum(i % 7) FROM range(100000000000) AS t(i)) >= 0");

        var refused = await Assert.ThrowsAsync<RecheckRefusedException>(() =>
            RejectRecheck.RunAsync(slow, Rejects, TimeSpan.FromMilliseconds(500), CancellationToken.None));
        Assert.Contains("took longer than 0.5 s", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rule_reading_a_file_is_refused_before_it_runs()
    {
        var refused = await Assert.ThrowsAsync<RecheckRefusedException>(() =>
            RejectRecheck.RunAsync(Contract("length(read_text('/etc/passwd')) > 0"), Rejects, RejectRecheck.TimeLimit, CancellationToken.None));
        Assert.Contains("refused", refused.Message, StringComparison.Ordinal);
    }
}
