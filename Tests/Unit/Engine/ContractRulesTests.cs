using System.Text.RegularExpressions;
using Ductus.Api.Features.Runs.WhatIf;
using Ductus.Core.DataContracts;
using Ductus.Core.Specs;

namespace Ductus.Tests.Unit.Engine;

public sealed class ContractRulesTests
{
    private static readonly ContractSpec Contract = EngineScratch.Parse("""
        name: airports
        source: { kind: csv, path: airports.csv }
        contract:
          unique_key: [iata, state]
          columns:
            iata:  { type: varchar, required: true, pattern: '^[A-Z0-9]{3}$', description: IATA code }
            state: { type: varchar, accepted_values: [CA, "N,Y"], max_length: 2 }
            lat:   { type: double, min: -90, max: 90 }
          rules:
            - name: north
              sql: lat > 0
              description: only the north
        target: { dataset: airports }
        """).Contract!;

    [Fact]
    public void Every_rule_is_listed_under_the_name_the_engine_gives_it_with_its_parameter_as_text()
    {
        Assert.Equal(
            [
                ("iata.required", "iata", "required", "true"),
                ("iata.type", "iata", "type", "varchar"),
                ("iata.pattern", "iata", "pattern", "^[A-Z0-9]{3}$"),
                ("state.type", "state", "type", "varchar"),
                ("state.accepted_values", "state", "accepted_values", "[\"CA\",\"N,Y\"]"),
                ("state.max_length", "state", "max_length", "2"),
                ("lat.type", "lat", "type", "double"),
                ("lat.min", "lat", "min", "-90"),
                ("lat.max", "lat", "max", "90"),
                ("north", null, "sql", "lat > 0"),
                ("unique_key", null, "unique_key", "[\"iata\",\"state\"]"),
            ],
            ContractRules.List(Contract).Select(r => (r.Name, r.Column, r.Check, r.Definition)));
    }

    [Theory]
    [InlineData("iata.pattern", "iata", "pattern", "^[A-Z0-9]{3}$")]
    [InlineData("iata.unique", "iata", "unique", null)]
    [InlineData("gone.col.max", "gone.col", "max", null)]
    [InlineData("parse", null, "parse", null)]
    [InlineData("old_rule", null, "sql", null)]
    public void A_rejects_rule_name_is_read_even_when_the_contract_no_longer_has_it(string rule, string? column, string check, string? definition)
    {
        var described = ContractRules.Describe(rule, Contract);
        Assert.Equal((column, check, definition), (described.Column, described.Check, described.Definition));
    }

    [Theory]
    [InlineData("iata.pattern", "iata")]
    [InlineData("a.b.max_length", "a.b")]
    [InlineData("north", null)]
    [InlineData("iata.patterns", null)]
    public void The_sql_grouping_reads_the_column_of_a_rule_as_describe_does(string rule, string? column)
    {
        var match = Regex.Match(rule, ContractRules.ColumnOfRulePattern);
        Assert.Equal(column, match.Success ? match.Groups[1].Value : null);
    }

    [Fact]
    public void An_edit_replaces_one_rules_parameter_and_leaves_the_others()
    {
        var pattern = RuleEdit.Apply(Contract, "iata.pattern", "^[A-Z0-9]{3,4}$").Contract!;
        Assert.Equal("^[A-Z0-9]{3,4}$", pattern.Columns[0].Pattern);
        Assert.True(pattern.Columns[0].Required);
        Assert.Equal(Contract.Columns.Skip(1), pattern.Columns.Skip(1));

        Assert.Equal(["CA", "NY", "5"], RuleEdit.Apply(Contract, "state.accepted_values", "[\"CA\", \"NY\", 5]").Contract!.Columns[1].AcceptedValues);
        Assert.False(RuleEdit.Apply(Contract, "iata.required", "false").Contract!.Columns[0].Required);
        Assert.Null(RuleEdit.Apply(Contract, "lat.min", "").Contract!.Columns[2].Min);
        Assert.Equal("lat > -10", RuleEdit.Apply(Contract, "north", "lat > -10").Contract!.Rules[0].Sql);
        Assert.Empty(RuleEdit.Apply(Contract, "north", null).Contract!.Rules);
        Assert.Equal(["iata"], RuleEdit.Apply(Contract, "unique_key", "[\"iata\"]").Contract!.UniqueKey);
    }

    [Theory]
    [InlineData("iata.min", "1", "rule", "not a rule")]
    [InlineData("parse", "x", "rule", "parse failures")]
    [InlineData("iata.pattern", "(", "definition", "regular expression")]
    [InlineData("lat.max", "ninety", "definition", "must be a number")]
    [InlineData("lat.max", "-100", "definition", "less than min")]
    [InlineData("state.max_length", "two", "definition", "whole number")]
    [InlineData("state.accepted_values", "CA,NY", "definition", "JSON array")]
    [InlineData("iata.required", "yes", "definition", "true or false")]
    [InlineData("iata.type", "bogus", "definition", "unknown type")]
    [InlineData("north", "lat > 0; SELECT 1", "definition", "without ';'")]
    public void A_bad_edit_is_refused_naming_the_field(string rule, string definition, string field, string reason)
    {
        var result = RuleEdit.Apply(Contract, rule, definition);
        Assert.Null(result.Contract);
        Assert.Equal(field, result.Field);
        Assert.Contains(reason, result.Error, StringComparison.Ordinal);
    }
}
