using System.Net;
using System.Text.Json;
using Ductus.Core.Auth;
using Ductus.Core.Catalog;
using Ductus.Tests.Infrastructure;

namespace Ductus.Tests.Integration.Api;

[Collection(StackDefinition.Name)]
public sealed class RejectWhatIfTests(StackFixture stack)
{
    // 11 lines: ABC loads; the line with two fields fails to parse; the other 9 break rules:
    //   code.pattern  ABCD ABCDE abcd WXYZ XY1 QRST QRST MNOP   (8)
    //   name_ok       DEF MNOP                                  (2)
    //   unique_key    QRST QRST                                 (2)
    //   n.min         WXYZ                                      (1)
    private const string Codes = """
        code,name,n
        ABC,alpha,1
        ABCD,beta,2
        ABCDE,gamma,3
        abcd,delta,4
        WXYZ,epsilon,-1
        XY1,zeta,5
        QRST,eta,6
        QRST,theta,7
        DEF,bad,9
        MNOP,bad,10
        QQQ,iota

        """;

    private const string CodesSpec = """
        name: {NAME}
        source:
          kind: csv
          path: codes.csv
          header: true
          delimiter: ","
          columns: { code: varchar, name: varchar, n: integer }
        contract:
          policy: quarantine
          unique_key: [code]
          columns:
            code: { type: varchar, required: true, pattern: '^[A-Z]{3}$', description: a three-letter code }
            name: { type: varchar }
            n:    { type: integer, min: 0 }
          rules:
            - name: name_ok
              sql: name <> 'bad'
        target:
          dataset: {DATASET}
          mode: append
        """;

    private async Task<RunRecord> CodesRunAsync()
    {
        RunRecord? run = null;
        // The run is queued for a moment before this process marks it running, and the stack's
        // Pipelines service may take it in that moment (it cannot read codes.csv, so it fails the
        // run): then a new pipeline is run again.
        for (var attempt = 0; attempt < 3 && run?.Status != RunStatus.Succeeded; attempt++)
        {
            var suffix = Guid.NewGuid().ToString("N")[..8];
            var yaml = CodesSpec.Replace("{NAME}", "codes-" + suffix, StringComparison.Ordinal).Replace("{DATASET}", "codes_" + suffix, StringComparison.Ordinal);
            try
            {
                run = await CatalogData.RunAsync(stack, yaml, new Dictionary<string, string> { ["codes.csv"] = Codes });
            }
            catch (RunStateException)
            {
                run = null;
            }
        }

        Assert.NotNull(run);
        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(1, run.RowsLoaded);
        Assert.Equal(10, run.RowsRejected);
        return run;
    }

    private static StringContent WhatIf(string rule, string definition) =>
        ApiJson.Json(JsonSerializer.Serialize(new { rule, definition }));

    [Fact]
    public async Task Summary_groups_rejects_by_rule_with_top_values_and_the_rule_filter_pages_one_rule()
    {
        var run = await CodesRunAsync();
        using var analyst = await stack.ClientForRoleAsync(Roles.Analyst);

        using var response = await analyst.GetAsync($"/api/runs/{run.Id}/rejects/summary");
        var summary = await response.BodyAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, summary.ToString());
        Assert.Equal(run.Id, summary.GetProperty("runId").GetGuid());
        Assert.Equal(run.Pipeline, summary.GetProperty("pipeline").GetString());
        Assert.Equal(run.Dataset, summary.GetProperty("dataset").GetString());
        Assert.Equal(1, summary.GetProperty("specVersion").GetInt32());
        Assert.Equal(10, summary.GetProperty("total").GetInt64());
        Assert.Equal(1, summary.GetProperty("parseFailures").GetInt64());
        var rules = summary.GetProperty("rules").EnumerateArray().ToList();
        Assert.Equal(
            [("code.pattern", 8L), ("name_ok", 2L), ("unique_key", 2L), ("n.min", 1L), ("parse", 1L)],
            rules.Select(r => (r.GetProperty("rule").GetString(), r.GetProperty("count").GetInt64())));

        var pattern = rules[0];
        Assert.Equal("code", pattern.GetProperty("column").GetString());
        Assert.Equal("pattern", pattern.GetProperty("check").GetString());
        Assert.Equal("^[A-Z]{3}$", pattern.GetProperty("definition").GetString());
        Assert.Equal("a three-letter code", pattern.GetProperty("description").GetString());
        Assert.Contains("does not match pattern ^[A-Z]{3}$", pattern.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(";", pattern.GetProperty("message").GetString(), StringComparison.Ordinal);
        var top = pattern.GetProperty("topValues").EnumerateArray().Select(v => (v.GetProperty("value").GetString(), v.GetProperty("count").GetInt64())).ToList();
        Assert.Equal(("QRST", 2L), top[0]);
        Assert.Equal(["ABCD", "ABCDE", "MNOP", "QRST", "WXYZ", "XY1", "abcd"], top.Select(t => t.Item1).Order(StringComparer.Ordinal));
        Assert.Equal(8, top.Sum(t => t.Item2));

        var rowRule = rules[1];
        Assert.Equal(JsonValueKind.Null, rowRule.GetProperty("column").ValueKind);
        Assert.Equal("sql", rowRule.GetProperty("check").GetString());
        Assert.Equal("name <> 'bad'", rowRule.GetProperty("definition").GetString());
        Assert.Empty(rowRule.GetProperty("topValues").EnumerateArray());
        Assert.Equal("unique_key", rules[2].GetProperty("check").GetString());
        Assert.Equal("[\"code\"]", rules[2].GetProperty("definition").GetString());
        Assert.Equal([("-1", 1L)], rules[3].GetProperty("topValues").EnumerateArray().Select(v => (v.GetProperty("value").GetString(), v.GetProperty("count").GetInt64())));
        Assert.Equal("parse", rules[4].GetProperty("check").GetString());
        Assert.Equal(JsonValueKind.Null, rules[4].GetProperty("definition").ValueKind);

        // The rule filter pages through only the rejects that broke the rule.
        using var first = await analyst.GetAsync($"/api/runs/{run.Id}/rejects?rule=name_ok&limit=1");
        var page = await first.BodyAsync();
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        using var second = await analyst.GetAsync($"/api/runs/{run.Id}/rejects?rule=name_ok&limit=1&afterId={page.GetProperty("nextAfterId").GetInt64()}");
        var rest = await second.BodyAsync();
        Assert.Equal(JsonValueKind.Null, rest.GetProperty("nextAfterId").ValueKind);
        var items = page.GetProperty("items").EnumerateArray().Concat(rest.GetProperty("items").EnumerateArray()).ToList();
        Assert.Equal(["DEF", "MNOP"], items.Select(i => i.GetProperty("values").GetProperty("code").GetString()).Order(StringComparer.Ordinal));
        Assert.All(items, i => Assert.Contains("name_ok", i.GetProperty("rules").EnumerateArray().Select(r => r.GetString())));

        using var all = await analyst.GetAsync($"/api/runs/{run.Id}/rejects?limit=100");
        Assert.Equal(10, (await all.BodyAsync()).GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task What_if_counts_the_rejects_an_edited_rule_would_let_pass_with_every_other_rule_still_applied()
    {
        var run = await CodesRunAsync();
        using var analyst = await stack.ClientForRoleAsync(Roles.Analyst);

        // ABCD now passes; ABCDE, abcd and XY1 still break the pattern; WXYZ breaks n.min; the two
        // QRST still share a key; MNOP still breaks name_ok.
        using var response = await analyst.PostAsync($"/api/runs/{run.Id}/rejects/what-if", WhatIf("code.pattern", "^[A-Z]{3,4}$"));
        var body = await response.BodyAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        Assert.Equal("code.pattern", body.GetProperty("rule").GetString());
        Assert.Equal("^[A-Z]{3,4}$", body.GetProperty("definition").GetString());
        Assert.Equal(8, body.GetProperty("evaluated").GetInt64());
        Assert.Equal(1, body.GetProperty("wouldPass").GetInt64());
        Assert.Equal(7, body.GetProperty("stillFailing").GetInt64());
        Assert.False(body.GetProperty("capped").GetBoolean());
        Assert.Equal(
            [("code.pattern", 3L), ("unique_key", 2L), ("n.min", 1L), ("name_ok", 1L)],
            body.GetProperty("stillFailingByRule").EnumerateArray().Select(r => (r.GetProperty("rule").GetString(), r.GetProperty("count").GetInt64())));
        var samples = body.GetProperty("samples").EnumerateArray().ToList();
        Assert.Equal(7, samples.Count);
        Assert.DoesNotContain("ABCD", samples.Select(s => s.GetProperty("values").GetProperty("code").GetString()));
        var xy1 = samples.Single(s => s.GetProperty("values").GetProperty("code").GetString() == "XY1");
        Assert.Equal(["code.pattern"], xy1.GetProperty("rules").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal("code 'XY1' does not match pattern ^[A-Z]{3,4}$", xy1.GetProperty("message").GetString());
        Assert.Contains(body.GetProperty("notes").EnumerateArray(), n => n.GetString()!.Contains("unique", StringComparison.Ordinal));

        // A row rule edited: DEF passes, MNOP still breaks the pattern.
        using var rowRule = await analyst.PostAsync($"/api/runs/{run.Id}/rejects/what-if", WhatIf("name_ok", "name NOT IN ('worse')"));
        var edited = await rowRule.BodyAsync();
        Assert.True(rowRule.StatusCode == HttpStatusCode.OK, edited.ToString());
        Assert.Equal((2L, 1L, 1L), (edited.GetProperty("evaluated").GetInt64(), edited.GetProperty("wouldPass").GetInt64(), edited.GetProperty("stillFailing").GetInt64()));
        Assert.Equal(["code.pattern"], edited.GetProperty("stillFailingByRule").EnumerateArray().Select(r => r.GetProperty("rule").GetString()));

        // A bound edited: -1 is within min -5.
        using var bound = await analyst.PostAsync($"/api/runs/{run.Id}/rejects/what-if", WhatIf("n.min", "-5"));
        var relaxed = await bound.BodyAsync();
        Assert.True(bound.StatusCode == HttpStatusCode.OK, relaxed.ToString());
        Assert.Equal((1L, 0L), (relaxed.GetProperty("evaluated").GetInt64(), relaxed.GetProperty("wouldPass").GetInt64()));
        Assert.Equal(["code.pattern"], relaxed.GetProperty("stillFailingByRule").EnumerateArray().Select(r => r.GetProperty("rule").GetString()));
    }

    [Theory]
    [InlineData("code.pattern", "^[A-Z{3$", "definition", "regular expression")]
    [InlineData("code.pattern", "^(?=A)[A-Z]{3}$", "definition", "does not run")]
    [InlineData("n.min", "zero", "definition", "must be a number")]
    [InlineData("code.max", "5", "rule", "not a rule")]
    [InlineData("parse", "", "rule", "parse failures")]
    [InlineData("name_ok", "read_csv('/etc/passwd') IS NOT NULL", "definition", "refused")]
    [InlineData("name_ok", "true) OR (SELECT count(*) FROM read_text('/etc/passwd')) > 0 OR (true", "definition", "refused")]
    [InlineData("name_ok", "name <> 'x'; DROP TABLE candidates", "definition", "';'")]
    public async Task What_if_refuses_a_bad_edit_naming_the_field(string rule, string definition, string field, string reason)
    {
        var run = await CodesRunAsync();
        using var analyst = await stack.ClientForRoleAsync(Roles.Analyst);

        using var response = await analyst.PostAsync($"/api/runs/{run.Id}/rejects/what-if", WhatIf(rule, definition));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal([field], await response.ErrorNamesAsync());
        var error = (await response.BodyAsync()).GetProperty("errors")[0].GetProperty("reason").GetString();
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_runs_are_not_found()
    {
        using var analyst = await stack.ClientForRoleAsync(Roles.Analyst);
        var missing = Guid.NewGuid();
        using var summary = await analyst.GetAsync($"/api/runs/{missing}/rejects/summary");
        using var whatIf = await analyst.PostAsync($"/api/runs/{missing}/rejects/what-if", WhatIf("code.pattern", "^x$"));
        foreach (var response in new[] { summary, whatIf })
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal(["id"], await response.ErrorNamesAsync());
        }
    }
}
